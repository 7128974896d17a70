"""The help centre's part of the demo clinic (called by `manage.py seed_demo`). Safe to run again.

The articles are Markdown files in support/demo_articles/, each with a short header of
`key: value` lines between `---` lines; they are written through the services (rendered and
sanitised like any article), then grouped into the "Getting started with Harbor" guide, and
two announcements are put up: planned maintenance for everyone, and an update note for staff.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from iop.accounts.demo import DemoClinic
from iop.accounts.models import User
from support.models import Announcement, ArticleStatus, Audience, Guide, HelpArticle, Severity
from support.services import announcement_save, guide_save, help_article_save

ARTICLES = Path(__file__).resolve().parent.parent / "demo_articles"
GUIDE_SLUGS = [
    "signing-in",
    "two-step-sign-in",
    "first-tech-check",
    "audio-video-settings",
    "if-disconnected",
    "how-group-works",
]
MAINTENANCE_TITLE = "Planned maintenance on Sunday night"
STAFF_NOTE_TITLE = "New: the help centre and getting-started checklist"


@dataclass(frozen=True)
class ArticleFile:
    title: str
    slug: str
    category: str
    audience: str
    topics: list[str]
    keywords: str
    summary: str
    body: str


def read_article(path: Path) -> ArticleFile:
    """One article file: its header (between the first two `---` lines) and its body."""
    _, header, body = path.read_text(encoding="utf-8").split("---\n", 2)
    fields: dict[str, str] = {}
    for line in header.strip().splitlines():
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    return ArticleFile(
        title=fields["title"],
        slug=fields["slug"],
        category=fields["category"],
        audience=fields.get("audience", Audience.BOTH),
        topics=[t.strip() for t in fields.get("topics", "").split(",") if t.strip()],
        keywords=fields.get("keywords", ""),
        summary=fields.get("summary", ""),
        body=body.strip() + "\n",
    )


def demo_articles() -> list[ArticleFile]:
    return [read_article(path) for path in sorted(ARTICLES.glob("*.md"))]


def seed_help(clinic: DemoClinic) -> None:
    """Articles, the onboarding guide and the announcements; each made once, for every program."""
    admin = clinic.staff["admin"]
    seed_articles(admin)
    _announcements(clinic)


def seed_articles(admin: User) -> None:
    """The demo articles and the "Getting started with Harbor" guide (each made once)."""
    for item in demo_articles():
        if HelpArticle.objects.filter(slug=item.slug).exists():
            continue
        help_article_save(
            actor=admin,
            title=item.title,
            slug=item.slug,
            body=item.body,
            category=item.category,
            audience=item.audience,
            status=ArticleStatus.PUBLISHED,
            summary=item.summary,
            keywords=item.keywords,
            tech_topics=item.topics,
        )
    if not Guide.objects.filter(slug="getting-started").exists():
        ids = dict(HelpArticle.objects.filter(slug__in=GUIDE_SLUGS).values_list("slug", "pk"))
        guide_save(
            actor=admin,
            title="Getting started with Harbor",
            slug="getting-started",
            summary="Six short articles for your first week: signing in, your first tech check, "
            "sound and video, and what group sessions are like.",
            article_ids=[ids[slug] for slug in GUIDE_SLUGS],
            audience=Audience.CLIENTS,
            status=ArticleStatus.PUBLISHED,
            is_onboarding=True,
        )


def _announcements(clinic: DemoClinic) -> None:
    now = timezone.now()
    admin = clinic.staff["admin"]
    if not Announcement.objects.filter(title=MAINTENANCE_TITLE, shown_to__gt=now).exists():
        days_to_sunday = (6 - now.weekday()) % 7 or 7
        sunday = (now + timedelta(days=days_to_sunday)).replace(
            hour=7, minute=0, second=0, microsecond=0
        )  # 2 a.m. in New York is 7:00 UTC for most of the year
        announcement_save(
            actor=admin,
            title=MAINTENANCE_TITLE,
            body="Harbor will be unavailable for about an hour while we install updates. "
            "No sessions are scheduled then. If you need help during that time, the 24/7 line "
            "and 988 work as always.",
            severity=Severity.MAINTENANCE,
            audience=Audience.BOTH,
            shown_from=now - timedelta(hours=1),
            shown_to=sunday + timedelta(hours=1),
            happens_at=sunday,
            tell_people=True,
            tell_hours_ahead=24,
        )
    if not Announcement.objects.filter(title=STAFF_NOTE_TITLE, shown_to__gt=now).exists():
        announcement_save(
            actor=admin,
            title=STAFF_NOTE_TITLE,
            body="Clients now see troubleshooting articles on their session pages, matched to "
            "their failed tech-check items. The articles are under Help.",
            severity=Severity.INFO,
            audience=Audience.STAFF,
            shown_from=now - timedelta(hours=1),
            shown_to=now + timedelta(days=14),
        )
