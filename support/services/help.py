"""Writing the help centre: articles (rendered and sanitised on save), guides, "Did this help?"
votes and read receipts."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from iop.accounts.models import Role, User
from iop.domain import Conflict, NotAllowed
from iop.viewer import Actor, person_of
from support import search
from support.markdown_text import render
from support.models import (
    ArticleCategory,
    ArticleRead,
    ArticleStatus,
    Audience,
    Guide,
    GuideStep,
    HelpArticle,
    HelpVote,
    TechTopic,
)

MAX_BODY = 50_000
MAX_GUIDE_STEPS = 30


def require_help_admin(actor: Actor) -> User:
    """Only a signed-in administrator writes help content (not an API key, not Harbor)."""
    person = person_of(actor)
    if person is None or not (person.role == Role.ADMIN or person.is_superuser):
        raise NotAllowed("Only administrators write help articles, guides and announcements.")
    return person


def _choice(errors: dict[str, list[str]], name: str, value: str, choices: Sequence[str]) -> None:
    if value not in choices:
        errors[name] = [f"Choose one of: {', '.join(choices)}."]


def _length(
    errors: dict[str, list[str]], name: str, value: str, most: int, *, required: bool
) -> None:
    if required and not value.strip():
        errors[name] = ["This cannot be empty."]
    elif len(value) > most:
        errors[name] = [f"Keep it to {most:,} characters (this is {len(value):,})."]


def help_article_save(
    *,
    actor: Actor,
    title: str,
    slug: str,
    body: str,
    category: str,
    audience: str = Audience.BOTH,
    status: str = ArticleStatus.DRAFT,
    summary: str = "",
    keywords: str = "",
    tech_topics: Sequence[str] = (),
    article: HelpArticle | None = None,
) -> HelpArticle:
    """Create or change an article; its Markdown is rendered and sanitised in the same write."""
    person = require_help_admin(actor)
    title, slug, summary, keywords = title.strip(), slug.strip(), summary.strip(), keywords.strip()
    errors: dict[str, list[str]] = {}
    _length(errors, "title", title, 160, required=True)
    _length(errors, "summary", summary, 300, required=False)
    _length(errors, "keywords", keywords, 300, required=False)
    _length(errors, "body", body, MAX_BODY, required=True)
    _length(errors, "slug", slug, 80, required=True)
    if "slug" not in errors:
        try:
            validate_slug(slug)
        except ValidationError as error:
            errors["slug"] = list(error.messages)
    _choice(errors, "category", category, ArticleCategory.values)
    _choice(errors, "audience", audience, Audience.values)
    _choice(errors, "status", status, ArticleStatus.values)
    topics = list(dict.fromkeys(tech_topics))
    unknown = [t for t in topics if t not in TechTopic.values]
    if unknown:
        errors["tech_topics"] = [
            f"Unknown: {', '.join(map(str, unknown))}. Choose from: {', '.join(TechTopic.values)}."
        ]
    if errors:
        raise ValidationError(errors)
    rendered = render(body)
    with transaction.atomic():
        if article is None:
            article = HelpArticle()
        else:
            article = HelpArticle.objects.select_for_update().get(pk=article.pk)
        if HelpArticle.objects.filter(slug=slug).exclude(pk=article.pk).exists():
            raise ValidationError({"slug": [f"Another article already uses the address {slug!r}."]})
        article.title, article.slug, article.summary, article.keywords = (
            title,
            slug,
            summary,
            keywords,
        )
        article.body, article.body_html, article.body_text = body, rendered.html, rendered.text
        article.category, article.audience, article.status = category, audience, status
        article.tech_topics = topics
        article.updated_at, article.updated_by = timezone.now(), person
        try:
            with transaction.atomic():
                article.save()
        except IntegrityError:
            raise ValidationError(
                {"slug": [f"Another article already uses the address {slug!r}."]}
            ) from None
        _search_changed()
    return article


def help_article_delete(*, actor: Actor, article: HelpArticle) -> None:
    """Delete an article that no guide uses (take it out of the guides first)."""
    require_help_admin(actor)
    with transaction.atomic():
        if GuideStep.objects.filter(article=article).exists():
            raise Conflict(
                "A guide uses this article; take it out of the guide first, or unpublish it."
            )
        article.delete()
        _search_changed()


def _search_changed() -> None:
    # At once and after commit: a search between the two builds a lexicon without this change,
    # and the second mark makes it rebuild.
    search.articles_changed()
    transaction.on_commit(search.articles_changed)


def guide_save(
    *,
    actor: Actor,
    title: str,
    slug: str,
    article_ids: Sequence[int],
    summary: str = "",
    audience: str = Audience.CLIENTS,
    status: str = ArticleStatus.DRAFT,
    is_onboarding: bool = False,
    guide: Guide | None = None,
) -> Guide:
    """Create or change a guide: its articles, in the order given (each once)."""
    require_help_admin(actor)
    title, slug, summary = title.strip(), slug.strip(), summary.strip()
    errors: dict[str, list[str]] = {}
    _length(errors, "title", title, 160, required=True)
    _length(errors, "summary", summary, 300, required=False)
    _length(errors, "slug", slug, 80, required=True)
    if "slug" not in errors:
        try:
            validate_slug(slug)
        except ValidationError as error:
            errors["slug"] = list(error.messages)
    _choice(errors, "audience", audience, Audience.values)
    _choice(errors, "status", status, ArticleStatus.values)
    ids = list(article_ids)
    if len(set(ids)) != len(ids):
        errors["articles"] = ["Each article appears once in a guide."]
    elif not ids:
        errors["articles"] = ["A guide needs at least one article."]
    elif len(ids) > MAX_GUIDE_STEPS:
        errors["articles"] = [f"A guide has at most {MAX_GUIDE_STEPS} articles."]
    found = set(HelpArticle.objects.filter(pk__in=ids).values_list("pk", flat=True))
    if "articles" not in errors and found != set(ids):
        errors["articles"] = [
            f"No article with id {', '.join(str(i) for i in ids if i not in found)}."
        ]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        others = Guide.objects.exclude(pk=guide.pk) if guide is not None else Guide.objects.all()
        if others.filter(slug=slug).exists():
            raise ValidationError({"slug": [f"Another guide already uses the address {slug!r}."]})
        if is_onboarding:
            others.filter(is_onboarding=True).update(is_onboarding=False)
        guide = guide or Guide()
        guide.title, guide.slug, guide.summary = title, slug, summary
        guide.audience, guide.status, guide.is_onboarding = audience, status, is_onboarding
        guide.save()
        GuideStep.objects.filter(guide=guide).delete()
        GuideStep.objects.bulk_create(
            GuideStep(guide=guide, article_id=article_id, position=position)
            for position, article_id in enumerate(ids, start=1)
        )
    return guide


def voter_key(actor: Actor, session_key: str | None) -> str | None:
    """Who a vote is from: the person, or a signed-out browser's session (hashed)."""
    person = person_of(actor)
    if person is not None:
        return f"user:{person.pk}"
    if session_key:
        return "session:" + hashlib.sha256(session_key.encode()).hexdigest()[:40]
    return None


def help_vote_record(
    *, actor: Actor, article: HelpArticle, helpful: bool, session_key: str | None = None
) -> HelpVote:
    """Record "Did this help?"; answering again replaces the earlier answer (counted once)."""
    voter = voter_key(actor, session_key)
    if voter is None:
        raise NotAllowed("Votes come from a person or a browser session.")
    if not isinstance(helpful, bool):
        raise ValidationError({"helpful": ["Answer yes or no."]})
    if not article.is_published:
        raise Conflict("This article is not published.")
    now = timezone.now()
    with transaction.atomic():
        vote = HelpVote.objects.select_for_update().filter(article=article, voter=voter).first()
        if vote is None:
            try:
                with transaction.atomic():
                    vote = HelpVote.objects.create(
                        article=article, voter=voter, helpful=helpful, voted_at=now
                    )
            except IntegrityError:  # the same voter's other tab won the race: change theirs
                vote = HelpVote.objects.select_for_update().get(article=article, voter=voter)
            else:
                counter = "helpful_count" if helpful else "not_helpful_count"
                HelpArticle.objects.filter(pk=article.pk).update(**{counter: F(counter) + 1})
                return vote
        if vote.helpful != helpful:
            gained, lost = (
                ("helpful_count", "not_helpful_count")
                if helpful
                else ("not_helpful_count", "helpful_count")
            )
            HelpArticle.objects.filter(pk=article.pk).update(
                **{gained: F(gained) + 1, lost: F(lost) - 1}
            )
            vote.helpful, vote.voted_at = helpful, now
            vote.save(update_fields=["helpful", "voted_at"])
    return vote


def article_read_record(*, actor: Actor, article: HelpArticle) -> bool:
    """Note the first time a signed-in person opens an article (a guide's progress); True if new."""
    person = person_of(actor)
    if person is None or not article.is_published:
        return False
    _read, created = ArticleRead.objects.get_or_create(
        user=person, article=article, defaults={"first_read_at": timezone.now()}
    )
    return created
