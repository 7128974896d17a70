"""Reads of the help centre, given the viewer: published articles for the viewer's audience
(clients and signed-out visitors the client help, staff all of it), search, guides, and the
articles for a session page's failed tech-check items. Help articles are not health
information; the tech check behind the trouble box is read through the sessions selectors."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils.safestring import SafeString

from iop.accounts.models import ClientProfile
from iop.api.models import ApiKey
from iop.viewer import Viewer, person_of
from sessions_app.selectors import tech_check_latest_for
from support import search
from support.models import (
    ArticleCategory,
    ArticleRead,
    ArticleStatus,
    Audience,
    Guide,
    GuideStep,
    HelpArticle,
    TechTopic,
)

CLIENT_AUDIENCES = (Audience.CLIENTS.value, Audience.BOTH.value)
ALL_AUDIENCES = tuple(Audience.values)
TROUBLE_ARTICLES = 3
# Heavy columns no list needs: the Markdown, its HTML and text, and the search vector.
LIST_DEFERRED = ("body", "body_html", "body_text", "search_vector")


def audiences_for(viewer: Viewer | None) -> tuple[str, ...]:
    """Staff read every article; clients, signed-out visitors and API keys the client help."""
    if isinstance(viewer, ApiKey):
        return CLIENT_AUDIENCES
    person = person_of(viewer)
    if person is not None and person.is_active and person.is_staff_member:
        return ALL_AUDIENCES
    return CLIENT_AUDIENCES


def help_articles_visible_to(viewer: Viewer | None) -> QuerySet[HelpArticle]:
    """Published articles for the viewer's audience; drafts only in the admin."""
    return HelpArticle.objects.filter(
        status=ArticleStatus.PUBLISHED, audience__in=audiences_for(viewer)
    ).defer("search_vector")


def help_article_list_for(
    viewer: Viewer | None, *, category: str | None = None
) -> QuerySet[HelpArticle]:
    rows = help_articles_visible_to(viewer).defer(*LIST_DEFERRED)
    if category:
        rows = rows.filter(category=category)
    return rows.order_by("category", "title", "pk")


def help_article_get_for(viewer: Viewer | None, *, slug: str = "", pk: int = 0) -> HelpArticle:
    """One published article the viewer may read (else HelpArticle.DoesNotExist)."""
    rows = help_articles_visible_to(viewer)
    return rows.get(slug=slug) if slug else rows.get(pk=pk)


@dataclass(frozen=True)
class CategoryShelf:
    category: str
    label: str
    articles: list[HelpArticle]


def help_shelves_for(viewer: Viewer | None) -> list[CategoryShelf]:
    """The help centre's front page: every category with its articles, in the categories' order."""
    by_category: dict[str, list[HelpArticle]] = {}
    for article in help_article_list_for(viewer):
        by_category.setdefault(article.category, []).append(article)
    return [
        CategoryShelf(value, label, by_category[value])
        for value, label in ArticleCategory.choices
        if value in by_category
    ]


@dataclass(frozen=True)
class SearchResult:
    article: HelpArticle
    snippet: SafeString
    score: float


def help_search_for(
    viewer: Viewer | None, query: str, *, limit: int = search.MAX_RESULTS
) -> list[SearchResult]:
    """The viewer's articles that best answer `query`, best first, with highlighted snippets."""
    hits = search.search(query, audiences=audiences_for(viewer), limit=limit)
    return [SearchResult(hit.article, hit.snippet, hit.score) for hit in hits]


# -- the session page's trouble box -------------------------------------------------------------


def failed_topics_of(viewer: Viewer, client: ClientProfile) -> list[str]:
    """The tech-check items that failed in the client's latest check, in the check's order."""
    check = tech_check_latest_for(viewer, client)
    if check is None or check.passed:
        return []
    failed = []
    if check.camera != "granted":
        failed.append(TechTopic.CAMERA.value)
    if check.microphone != "granted":
        failed.append(TechTopic.MICROPHONE.value)
    if not check.webrtc:
        failed.append(TechTopic.BROWSER.value)
    # A failed check whose devices and browser are fine failed on the connection.
    if check.download_mbps is None or not failed:
        failed.append(TechTopic.CONNECTION.value)
    return failed


def help_for_tech_check(
    viewer: Viewer, client: ClientProfile
) -> tuple[list[str], list[HelpArticle]]:
    """The failed items and up to three articles for them: one for each failed item in turn
    (the most specific, then the most helpful), until there are three; with nothing failed,
    the most helpful troubleshooting articles."""
    failed = failed_topics_of(viewer, client)
    rows = list(
        help_articles_visible_to(viewer)
        .defer(*LIST_DEFERRED)
        .exclude(tech_topics=[])
        .order_by("-helpful_count", "title", "pk")
    )
    if not failed:
        return [], rows[:TROUBLE_ARTICLES]
    # For each failed item, the articles about it alone first (the most specific), then the
    # most helpful.
    queues = {
        topic: sorted((a for a in rows if topic in a.tech_topics), key=lambda a: len(a.tech_topics))
        for topic in failed
    }
    chosen: list[HelpArticle] = []
    while len(chosen) < TROUBLE_ARTICLES and any(queues.values()):
        for topic in failed:
            queue = queues[topic]
            while queue and queue[0] in chosen:
                queue.pop(0)
            if queue and len(chosen) < TROUBLE_ARTICLES:
                chosen.append(queue.pop(0))
    return failed, chosen


# -- guides -------------------------------------------------------------------------------------


def guides_visible_to(viewer: Viewer | None) -> QuerySet[Guide]:
    return Guide.objects.filter(
        status=ArticleStatus.PUBLISHED, audience__in=audiences_for(viewer)
    ).order_by("-is_onboarding", "title")


@dataclass(frozen=True)
class GuidePage:
    guide: Guide
    steps: list[GuideStep]
    read_ids: set[int]

    @property
    def read_count(self) -> int:
        return sum(1 for step in self.steps if step.article_id in self.read_ids)

    @property
    def is_read(self) -> bool:
        return bool(self.steps) and self.read_count == len(self.steps)


def guide_page_for(viewer: Viewer | None, slug: str) -> GuidePage:
    """A published guide, its published steps for the viewer, and which of them they have read."""
    visible = help_articles_visible_to(viewer).defer(*LIST_DEFERRED)
    guide = (
        guides_visible_to(viewer)
        .prefetch_related(
            Prefetch(
                "steps",
                queryset=GuideStep.objects.filter(article__in=visible)
                .select_related("article")
                .defer(*(f"article__{name}" for name in LIST_DEFERRED))
                .order_by("position"),
            )
        )
        .get(slug=slug)
    )
    steps = list(guide.steps.all())
    return GuidePage(guide, steps, _read_ids(viewer, [s.article_id for s in steps]))


def _read_ids(viewer: Viewer | None, article_ids: list[int]) -> set[int]:
    person = person_of(viewer)
    if person is None or not article_ids:
        return set()
    return set(
        ArticleRead.objects.filter(user=person, article_id__in=article_ids).values_list(
            "article_id", flat=True
        )
    )


def onboarding_guide_for(viewer: Viewer | None) -> GuidePage | None:
    guide = guides_visible_to(viewer).filter(is_onboarding=True).first()
    return guide_page_for(viewer, guide.slug) if guide is not None else None


def guides_of_article(viewer: Viewer | None, article: HelpArticle) -> list[GuidePage]:
    """The guides an article belongs to, for "next in this guide" links."""
    slugs = guides_visible_to(viewer).filter(steps__article=article).values_list("slug", flat=True)
    return [guide_page_for(viewer, slug) for slug in slugs]
