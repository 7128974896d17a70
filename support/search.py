"""Help-centre search: PostgreSQL full-text search that forgives typos.

A query is answered in one round trip for the words and one for the results:

1. The query is cut into at most MAX_WORDS words (letters and digits; apostrophes dropped, as
   the articles' search vector drops them, so "can't" and "cant" are one word).
2. PostgreSQL gives each word's English stem (`ts_lexize`); a stop word gives none.
3. A word whose stem the articles never use, or a stop word of four letters or more ("here"
   for "hear"), is matched against the articles' own lexicon (`ts_stat` over the published
   search vectors, cached in each process and rebuilt when an article changes): a trigram
   prefilter, then difflib's ratio. Close words become alternatives in the query.
4. The words are ANDed (each with its alternatives ORed); when that finds fewer than a page of
   articles, ORed. The last word also matches as a prefix, for people still typing.
5. Ranking is `ts_rank` over the weighted vector (title A, keywords and summary B, body C).
   Where the server has pg_trgm (checked once per process in pg_extension), the trigram
   similarity of the whole query to the title and keywords is added, and close titles are
   found even when no word matches. Snippets are `ts_headline` of the page of results only.

Without pg_trgm (the embedded server of `make run` on a machine with only Python) steps 1-4
still correct typos; only the whole-query trigram signal is missing.
"""

from __future__ import annotations

import difflib
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
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils.safestring import SafeString, mark_safe

log = logging.getLogger(__name__)

MAX_QUERY_LENGTH = 200
MAX_WORDS = 12
MAX_RESULTS = 50
PAGE = 10
MIN_CORRECTED_LENGTH = 4
CLOSE_ENOUGH = 0.75
ALTERNATIVES = 2
TRIGRAM_WEIGHT = 0.5
REVISION_KEY = "support:help:search-revision"
UNSHARED_REBUILD_SECONDS = 300  # when the shared revision cannot be read (cache down)
_MARK_START, _MARK_END = "\x01", "\x02"
_WORD = re.compile(r"\w+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_LEXEME = re.compile(r"^\w+$")


@dataclass(frozen=True)
class Hit:
    article_id: int
    score: float
    snippet: SafeString


@dataclass(frozen=True)
class Plan:
    """What the query became: one group per word, each the stems any of which may match."""

    text: str
    groups: tuple[tuple[str, ...], ...]
    prefix: str = ""  # the last word, matched as a prefix too

    def tsquery(self, joiner: str) -> str:
        parts = []
        for index, group in enumerate(self.groups):
            terms = [_quoted(term) for term in group]
            if self.prefix and index == len(self.groups) - 1:
                terms.append(_quoted(self.prefix) + ":*")
            parts.append("(" + " | ".join(terms) + ")")
        return f" {joiner} ".join(parts)


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


def _stems(words: Sequence[str]) -> dict[str, str | None]:
    """Each word's English stem; None for a stop word."""
    if not words:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT w, (ts_lexize('english_stem', w))[1] FROM unnest(%s::text[]) AS w",
            [list(words)],
        )
        return {word: stem for word, stem in cursor.fetchall()}


# -- the articles' lexicon ----------------------------------------------------------------------


def _trigrams(word: str) -> set[str]:
    padded = f"  {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


@dataclass
class Lexicon:
    """Every stem of the published articles, how many articles use it, and a trigram index."""

    documents: dict[str, int] = field(default_factory=dict)
    by_trigram: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, rows: Iterable[tuple[str, int]]) -> Lexicon:
        lexicon = cls()
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
        """Up to `limit` lexicon words close to `word` (difflib ratio ≥ CLOSE_ENOUGH), best first."""
        grams = _trigrams(word)
        shared: Counter[str] = Counter()
        for gram in grams:
            for candidate in self.by_trigram.get(gram, ()):
                if abs(len(candidate) - len(word)) <= 3:
                    shared[candidate] += 1
        scored = []
        matcher = difflib.SequenceMatcher(b=word, autojunk=False)
        for candidate, _count in shared.most_common(40):
            matcher.set_seq1(candidate)
            ratio = matcher.ratio()
            if ratio >= CLOSE_ENOUGH:
                scored.append((ratio, self.documents[candidate], candidate))
        scored.sort(reverse=True)
        if not scored:
            return []
        best = scored[0][0]
        return [c for ratio, _n, c in scored if ratio >= best - 0.05][:limit]


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
            self._lexicon = Lexicon.of(_lexicon_rows())
            self._revision, self._built_at = revision, time.monotonic()
            return self._lexicon


def _lexicon_rows() -> list[tuple[str, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT word, ndoc FROM ts_stat("
            "'SELECT search_vector FROM support_helparticle WHERE status = ''published''')"
        )
        return list(cursor.fetchall())


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
    groups: list[tuple[str, ...]] = []
    for word in words:
        stem = stems.get(word)
        group: list[str] = []
        if stem and _LEXEME.match(stem):
            group.append(stem)
        if (stem is None or stem not in known) and len(word) >= MIN_CORRECTED_LENGTH:
            threshold_word = stem if stem else word
            for alternative in known.closest(threshold_word):
                if alternative not in group:
                    group.append(alternative)
        if group:
            groups.append(tuple(group))
    last = words[-1] if words else ""
    prefix = (stems.get(last) or "") if len(last) >= 3 and groups else ""
    return Plan(text=text, groups=tuple(groups), prefix=prefix if _LEXEME.match(prefix) else "")


_SEARCH_SQL = """
WITH candidates AS (
    SELECT a.id, ts_rank(a.search_vector, CAST(%(tsq)s AS tsquery)) AS rank
    FROM support_helparticle a
    WHERE a.status = 'published' AND a.audience = ANY(%(audiences)s)
      AND a.search_vector @@ CAST(%(tsq)s AS tsquery)
    {trigram_candidates}
), ranked AS (
    SELECT c.id, max(c.rank) {trigram_score} AS score
    FROM candidates c JOIN support_helparticle a ON a.id = c.id
    GROUP BY c.id, a.title, a.keywords
    ORDER BY score DESC, c.id
    LIMIT %(limit)s
)
SELECT r.id, r.score,
       ts_headline('english', a.body_text, CAST(%(tsq)s AS tsquery), %(headline)s)
FROM ranked r JOIN support_helparticle a ON a.id = r.id
ORDER BY r.score DESC, r.id
"""
_TRIGRAM_CANDIDATES = """
    UNION ALL
    SELECT a.id, 0.0 FROM support_helparticle a
    WHERE a.status = 'published' AND a.audience = ANY(%(audiences)s)
      AND %(text)s <%% (a.title || ' ' || a.keywords)
"""
_TRIGRAM_SCORE = f"+ {TRIGRAM_WEIGHT} * word_similarity(%(text)s, a.title || ' ' || a.keywords)"
_HEADLINE = (
    f"StartSel={_MARK_START}, StopSel={_MARK_END}, MaxWords=28, MinWords=12, "
    'MaxFragments=2, FragmentDelimiter=" … "'
)


def search(query: str, *, audiences: Sequence[str], limit: int = MAX_RESULTS) -> list[Hit]:
    """The published articles for `audiences` that best answer `query`, best first."""
    found = plan(query)
    trigram = trigram_available() and bool(found.text)
    if not found.groups and not trigram:
        return []
    sql = _SEARCH_SQL.format(
        trigram_candidates=_TRIGRAM_CANDIDATES if trigram else "",
        trigram_score=_TRIGRAM_SCORE if trigram else "",
    )
    params: dict[str, Any] = {
        "audiences": list(audiences),
        "limit": limit,
        "text": found.text,
        "headline": _HEADLINE,
    }
    # Every word first; when that finds less than a page, any word, after the articles that
    # had every word.
    joiners = ["&", "|"] if len(found.groups) > 1 else ["&"]
    hits: dict[int, Hit] = {}
    for joiner in joiners:
        # An empty tsquery matches nothing: the trigram candidates alone then.
        params["tsq"] = found.tsquery(joiner) if found.groups else ""
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        for article_id, score, headline in rows:
            hits.setdefault(article_id, Hit(article_id, float(score), _snippet(headline)))
        if len(hits) >= min(limit, PAGE):
            break
    return list(hits.values())[:limit]


def _snippet(headline: str | None) -> SafeString:
    """ts_headline's fragment, escaped, with the matched words in <mark>."""
    text = html.escape(headline or "")
    text = text.replace(_MARK_START, "<mark>").replace(_MARK_END, "</mark>")
    return mark_safe(text)  # noqa: S308 - escaped above; only our own <mark> tags added
