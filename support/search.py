"""Help-centre search: PostgreSQL full-text search that forgives typos.

1. The query is cut into at most MAX_WORDS words (letters and digits; apostrophes dropped, as
   the articles' search vectors drop them, so "can't" and "cant" are one word).
2. PostgreSQL gives each word's English stem (`ts_lexize`; a stop word has none), remembered
   per process.
3. A word whose stem the articles never use, or a stop word of four letters or more ("here"
   for "hear"), is matched against the articles' own lexicon (`ts_stat` over the published
   search vectors, with each word's article count; cached per process and rebuilt when an
   article changes): the words sharing most trigrams with it, then difflib's ratio. Close
   words become alternatives for it in the query.
4. Words used by most articles cannot narrow a search: they rank but do not find (Plan). The
   articles are found by all the selective words, then (when that is less than a page) by any
   of them; a query of broad words only is matched against a small vector of titles, keywords
   and summaries. At most CANDIDATES articles are ranked with `ts_rank` (title A, keywords and
   summary B, body C), so the cost does not grow with the help centre.
5. Where the server has pg_trgm (checked once per process in pg_extension), the best RERANK
   are ranked again with the trigram similarity of the whole query to their title and
   keywords, and when no word matched at all, titles and keywords like the query are found
   through a trigram index. Snippets are `ts_headline` of the results only.

Without pg_trgm (the embedded server of `make run` on a machine with only Python) steps 1-4
still correct typos; only the whole-query trigram signal is missing.
"""

from __future__ import annotations

import difflib
import heapq
import html
import logging
import re
import threading
import time
import unicodedata
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils.safestring import SafeString, mark_safe

from support.models import HelpArticle

log = logging.getLogger(__name__)

MAX_QUERY_LENGTH = 200
MAX_WORDS = 12
MAX_RESULTS = 10
# The columns a result carries (what lists and the API show), so they need no second query; in
# the model's order, as Model.from_db reads them.
_LISTED = {
    "id",
    "slug",
    "title",
    "summary",
    "category",
    "audience",
    "status",
    "tech_topics",
    "helpful_count",
    "not_helpful_count",
    "updated_at",
}
LISTED = tuple(f.attname for f in HelpArticle._meta.concrete_fields if f.attname in _LISTED)
PAGE = 10
# A word in more articles than this is broad: it ranks but does not find (see Plan).
SELECTIVE_SHARE = 0.05
SELECTIVE_MIN_ROWS = 300
CANDIDATES = 1000  # at most this many articles are ranked by ts_rank in one stage
RERANK = 20  # of those, the best are ranked again with trigram similarity (~0.1 ms each)
MIN_CORRECTED_LENGTH = 4
CLOSE_ENOUGH = 0.75
ALTERNATIVES = 2
CHECKED = 20  # lexicon words sharing most trigrams with a word, compared by difflib
CLOSEST_CACHED = 20_000  # words whose corrections each process remembers
TRIGRAM_WEIGHT = 0.5
REVISION_KEY = "support:help:search-revision"
UNSHARED_REBUILD_SECONDS = 300  # when the shared revision cannot be read (cache down)
_MARK_START, _MARK_END = "\x01", "\x02"
_WORD = re.compile(r"\w+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_LEXEME = re.compile(r"^\w+$")


@dataclass(frozen=True)
class Hit:
    article: HelpArticle  # the list columns (LISTED); the others load when read
    score: float
    snippet: SafeString


@dataclass(frozen=True)
class Group:
    """One query word: the stems any of which may match, and how many articles have one."""

    terms: tuple[str, ...]
    prefix: str = ""  # also matched as a prefix (a last word that is no known word: still typing)
    documents: int = 0

    def tsquery(self) -> str:
        terms = [_quoted(term) for term in self.terms]
        if self.prefix:
            terms.append(_quoted(self.prefix) + ":*")
        return "(" + " | ".join(terms) + ")"


@dataclass(frozen=True)
class Plan:
    """What the query became, and the order in which to look for articles.

    A word most articles use ("session") cannot narrow a search, and matching it means reading
    most of the table; such broad words only rank. The articles are found by the selective
    words: all of them, then any of them. A query of broad words only is matched against the
    titles, keywords and summaries (a second, small vector with its own index).
    """

    text: str
    groups: tuple[Group, ...]
    published: int = 0

    @property
    def broad_above(self) -> int:
        return max(SELECTIVE_MIN_ROWS, int(SELECTIVE_SHARE * self.published))

    def stages(self) -> list[tuple[str, str]]:
        """(the vector column, the tsquery) to try in turn until a page of articles is found."""
        # A word no article uses cannot match: it is left out (it was misspelt past correcting).
        usable = [g for g in self.groups if g.documents > 0]
        selective = [g for g in usable if g.documents <= self.broad_above]
        column, chosen = ("search_vector", selective) if selective else ("head_vector", usable)
        if not chosen:
            return []
        found = [(column, " & ".join(g.tsquery() for g in chosen))]
        if len(chosen) > 1:
            found.append((column, " | ".join(g.tsquery() for g in chosen)))
        return found

    def ranking(self) -> str:
        """Every word, any of them: articles with more of the words rank higher."""
        return " | ".join(g.tsquery() for g in self.groups)


def _quoted(lexeme: str) -> str:
    return "'" + lexeme.replace("'", "''").replace("\\", "\\\\") + "'"


# -- the query's words --------------------------------------------------------------------------


def normalise(query: str) -> str:
    """The query as searched: NFKC, no control characters, apostrophes dropped, lower case."""
    text = unicodedata.normalize("NFKC", query)[:MAX_QUERY_LENGTH]
    text = _CONTROL.sub(" ", text).replace("'", "").replace("\u2019", "").lower()
    return " ".join(text.split())


def words_of(text: str) -> list[str]:
    seen: list[str] = []
    for word in _WORD.findall(text):
        if word not in seen:
            seen.append(word)
    return seen[:MAX_WORDS]


_stem_of: dict[str, str | None] = {}  # PostgreSQL's English stems never change: remembered
STEMS_CACHED = 50_000


def _stems(words: Sequence[str]) -> dict[str, str | None]:
    """Each word's English stem; None for a stop word (one query for the words not seen yet)."""
    missing = [word for word in words if word not in _stem_of]
    if missing:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT w, (ts_lexize('english_stem', w))[1] FROM unnest(%s::text[]) AS w",
                [missing],
            )
            found = dict(cursor.fetchall())
        if len(_stem_of) + len(found) > STEMS_CACHED:
            _stem_of.clear()
        _stem_of.update(found)
        return {word: _stem_of.get(word, found.get(word)) for word in words}
    return {word: _stem_of[word] for word in words}


# -- the articles' lexicon ----------------------------------------------------------------------


def _trigrams(word: str) -> set[str]:
    padded = f"  {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


@dataclass
class Lexicon:
    """Every stem of the published articles, how many articles use it, and a trigram index."""

    documents: dict[str, int] = field(default_factory=dict)
    by_trigram: dict[str, list[str]] = field(default_factory=dict)
    published: int = 0
    _closest: dict[str, list[str]] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, rows: Iterable[tuple[str, int]], *, published: int = 0) -> Lexicon:
        lexicon = cls(published=published)
        for word, ndoc in rows:
            if not _LEXEME.match(word) or word.isdigit():
                continue
            lexicon.documents[word] = ndoc
            for gram in _trigrams(word):
                lexicon.by_trigram.setdefault(gram, []).append(word)
        return lexicon

    def __contains__(self, word: object) -> bool:
        return word in self.documents

    def closest(self, word: str, *, limit: int = ALTERNATIVES) -> list[str]:
        """Up to `limit` lexicon words close to `word` (difflib ratio ≥ CLOSE_ENOUGH), best first:
        the words sharing most trigrams with it, then difflib on those few."""
        found = self._closest.get(word)
        if found is not None:
            return found[:limit]
        shared: Counter[str] = Counter()
        for gram in _trigrams(word):
            postings = self.by_trigram.get(gram)
            if postings:
                shared.update(postings)  # counted in C: fast even for common trigrams
        matcher = difflib.SequenceMatcher(b=word, autojunk=False)
        scored = []
        for candidate, _count in heapq.nlargest(CHECKED, shared.items(), key=itemgetter(1)):
            if abs(len(candidate) - len(word)) > 3:
                continue
            matcher.set_seq1(candidate)
            if matcher.real_quick_ratio() < CLOSE_ENOUGH or matcher.quick_ratio() < CLOSE_ENOUGH:
                continue
            ratio = matcher.ratio()
            if ratio >= CLOSE_ENOUGH:
                scored.append((ratio, self.documents[candidate], candidate))
        scored.sort(reverse=True)
        best = scored[0][0] if scored else 0.0
        found = [c for ratio, _n, c in scored if ratio >= best - 0.05][:ALTERNATIVES]
        if len(self._closest) >= CLOSEST_CACHED:
            self._closest.clear()
        self._closest[word] = found
        return found[:limit]


class _LexiconCache:
    """One lexicon per process, rebuilt when the shared revision (in the cache) changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._revision: str | None = None
        self._built_at = 0.0
        self._lexicon: Lexicon | None = None

    def get(self) -> Lexicon:
        revision = _shared_revision()
        with self._lock:
            fresh = self._lexicon is not None and (
                revision == self._revision
                if revision is not None
                else time.monotonic() - self._built_at < UNSHARED_REBUILD_SECONDS
            )
            if fresh and self._lexicon is not None:
                return self._lexicon
            rows, published = _lexicon_rows()
            self._lexicon = Lexicon.of(rows, published=published)
            self._revision, self._built_at = revision, time.monotonic()
            return self._lexicon


def _lexicon_rows() -> tuple[list[tuple[str, int]], int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT word, ndoc FROM ts_stat("
            "'SELECT search_vector FROM support_helparticle WHERE status = ''published''')"
        )
        rows = list(cursor.fetchall())
        cursor.execute("SELECT count(*) FROM support_helparticle WHERE status = 'published'")
        return rows, int(cursor.fetchone()[0])


def _shared_revision() -> str | None:
    try:
        revision = cache.get(REVISION_KEY)
        if revision is None:
            cache.add(REVISION_KEY, uuid.uuid4().hex, timeout=None)
            revision = cache.get(REVISION_KEY)
    except Exception:  # noqa: BLE001 - search works on without the cache (rebuilds on a timer)
        log.warning("help search: the cache is unavailable; the lexicon rebuilds on a timer")
        return None
    return str(revision) if revision is not None else None


def articles_changed() -> None:
    """Tell every process that the published articles changed (their lexicon is stale)."""
    try:
        cache.set(REVISION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:  # noqa: BLE001 - the timer rebuild covers a cache outage
        log.warning("help search: could not mark the lexicon stale (cache unavailable)")


_lexicons = _LexiconCache()


def lexicon() -> Lexicon:
    return _lexicons.get()


# -- pg_trgm -------------------------------------------------------------------------------------

_trigram_installed: dict[str, bool] = {}


def trigram_available() -> bool:
    """pg_trgm is installed in this database (looked up once per process and database), unless
    settings.SUPPORT_SEARCH_TRIGRAM is "off"."""
    if settings.SUPPORT_SEARCH_TRIGRAM == "off":
        return False
    name = str(connection.settings_dict.get("NAME"))
    if name not in _trigram_installed:
        with connection.cursor() as cursor:
            cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm')")
            _trigram_installed[name] = bool(cursor.fetchone()[0])
    return _trigram_installed[name]


# -- answering ----------------------------------------------------------------------------------


def plan(query: str) -> Plan:
    """The words of `query`, stemmed, with close lexicon words for those the articles lack."""
    text = normalise(query)
    words = words_of(text)
    stems = _stems(words)
    known = lexicon()
    groups: list[Group] = []
    for index, word in enumerate(words):
        stem = stems.get(word)
        terms: list[str] = []
        if stem and _LEXEME.match(stem):
            terms.append(stem)
        unknown = stem is None or stem not in known
        if unknown and len(word) >= MIN_CORRECTED_LENGTH:
            for alternative in known.closest(stem or word):
                if alternative not in terms:
                    terms.append(alternative)
        # A last word that is no known word and like none may be a word still being typed:
        # match it as a prefix too. Its articles cannot be counted ahead, so it counts as broad.
        prefix = ""
        last = index == len(words) - 1
        if stem and unknown and last and len(terms) == 1 and len(word) >= 3 and _LEXEME.match(stem):
            prefix = stem
        if terms or prefix:
            documents = (
                known.published
                if prefix
                else min(known.published, sum(known.documents.get(t, 0) for t in terms))
            )
            groups.append(Group(tuple(terms), prefix=prefix, documents=documents))
    return Plan(text=text, groups=tuple(groups), published=known.published)


_STAGE_SQL = """
WITH matched AS (
    SELECT a.id, a.title, a.keywords,
           ts_rank(a.{column}, CAST(%(ranking)s AS tsquery)) AS rank
    FROM support_helparticle a
    WHERE a.status = 'published' AND a.audience = ANY(%(audiences)s)
      AND a.{column} @@ CAST(%(match)s AS tsquery)
    LIMIT {candidates}
), best AS (
    SELECT * FROM matched ORDER BY rank DESC, id LIMIT {rerank}
), scored AS (
    SELECT id, rank {trigram_score} AS score FROM best ORDER BY score DESC, id LIMIT %(limit)s
)
SELECT s.score,
       ts_headline('english', a.body_text, CAST(%(ranking)s AS tsquery), %(headline)s),
       {listed}
FROM scored s JOIN support_helparticle a ON a.id = s.id
ORDER BY s.score DESC, s.id
"""
# The last resort where pg_trgm is installed: titles and keywords like the whole query.
_TRIGRAM_SQL = f"""
WITH scored AS (
    SELECT a.id, {TRIGRAM_WEIGHT} * word_similarity(%(text)s, a.title || ' ' || a.keywords) AS score
    FROM support_helparticle a
    WHERE a.status = 'published' AND a.audience = ANY(%(audiences)s)
      AND %(text)s <%% (a.title || ' ' || a.keywords)
    ORDER BY score DESC, a.id
    LIMIT %(limit)s
)
SELECT s.score,
       ts_headline('english', a.body_text, CAST(%(ranking)s AS tsquery), %(headline)s),
       {", ".join(f"a.{name}" for name in LISTED)}
FROM scored s JOIN support_helparticle a ON a.id = s.id
ORDER BY s.score DESC, s.id
"""  # noqa: S608 - only constants are interpolated
_TRIGRAM_SCORE = f"+ {TRIGRAM_WEIGHT} * word_similarity(%(text)s, title || ' ' || keywords)"
_HEADLINE = (
    f"StartSel={_MARK_START}, StopSel={_MARK_END}, MaxWords=28, MinWords=12, "
    'MaxFragments=2, FragmentDelimiter=" … "'
)


def stage_sql(column: str, *, trigram: bool) -> str:
    return _STAGE_SQL.format(
        column=column,
        candidates=CANDIDATES,
        rerank=RERANK,
        trigram_score=_TRIGRAM_SCORE if trigram else "",
        listed=", ".join(f"a.{name}" for name in LISTED),
    )


def search(query: str, *, audiences: Sequence[str], limit: int = MAX_RESULTS) -> list[Hit]:
    """The published articles for `audiences` that best answer `query`, best first."""
    found = plan(query)
    trigram = trigram_available() and bool(found.text)
    params: dict[str, Any] = {
        "audiences": list(audiences),
        "limit": limit,
        "text": found.text,
        "headline": _HEADLINE,
        "ranking": found.ranking(),
    }
    # Every selective word first; when that finds less than a page, any of them, after the
    # articles that had them all; with pg_trgm and nothing found, titles like the whole query.
    hits: dict[int, Hit] = {}
    for column, match in found.stages():
        _run(stage_sql(column, trigram=trigram), {**params, "match": match}, hits)
        if len(hits) >= min(limit, PAGE):
            break
    if trigram and not hits:
        _run(_TRIGRAM_SQL, params, hits)
    return list(hits.values())[:limit]


def _run(sql: str, params: dict[str, Any], hits: dict[int, Hit]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for score, headline, *listed in rows:
        article = HelpArticle.from_db(connection.alias, LISTED, listed)
        hits.setdefault(article.pk, Hit(article, float(score), _snippet(headline)))


def _snippet(headline: str | None) -> SafeString:
    """ts_headline's fragment, escaped, with the matched words in <mark>."""
    text = html.escape(headline or "")
    text = text.replace(_MARK_START, "<mark>").replace(_MARK_END, "</mark>")
    return mark_safe(text)  # noqa: S308 - escaped above; only our own <mark> tags added
