"""The help centre: articles (Markdown, searched with PostgreSQL full-text search), the
"Did this help?" votes, training guides (ordered articles) and who has read what."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Replace

SEARCH_CONFIG = "english"


class ArticleCategory(models.TextChoices):
    GETTING_STARTED = "getting_started", "Getting started"
    AUDIO_VIDEO = "audio_video", "Audio and video"
    CONNECTION = "connection", "Connection"
    SIGNING_IN = "signing_in", "Signing in"
    DEVICES = "devices", "Devices and browsers"
    PRIVACY = "privacy", "Privacy"


class Audience(models.TextChoices):
    """Who an article or an announcement is for."""

    CLIENTS = "clients", "Clients"
    STAFF = "staff", "Staff"
    BOTH = "both", "Clients and staff"


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class TechTopic(models.TextChoices):
    """The items of the session page's tech check an article helps with when they fail."""

    CAMERA = "camera", "Camera"
    MICROPHONE = "microphone", "Microphone"
    BROWSER = "browser", "Browser cannot make video calls"
    CONNECTION = "connection", "Slow or unmeasured connection"


def _words(field: str) -> Replace:
    # "can't" is searched as "cant": PostgreSQL's parser splits "can't" into two stop words,
    # so a client typing "cant hear" would find nothing. Both quotes people type are dropped.
    text: models.TextField[str, str] = models.TextField()
    inner = Replace(F(field), Value("'"), Value(""), output_field=text)
    return Replace(inner, Value("\u2019"), Value(""), output_field=text)


class HelpArticle(models.Model):
    """One help article. `body` is Markdown; the service renders it to sanitised `body_html`
    and plain `body_text` (searched and quoted in snippets) whenever it is saved."""

    title = models.CharField(max_length=160)
    slug = models.SlugField(max_length=80, unique=True)
    summary = models.CharField(
        max_length=300, blank=True, help_text="One or two sentences shown in lists and results."
    )
    keywords = models.CharField(
        max_length=300,
        blank=True,
        help_text="Other words people use for this problem (searched, never shown), "
        "e.g. 'no audio, speaker, volume, mute'.",
    )
    body = models.TextField(help_text="Markdown: headings, lists, links, bold and italics.")
    body_html = models.TextField(editable=False, default="")
    body_text = models.TextField(editable=False, default="")
    category = models.CharField(max_length=20, choices=ArticleCategory.choices)
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.BOTH)
    status = models.CharField(
        max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    tech_topics = ArrayField(
        models.CharField(max_length=12, choices=TechTopic.choices),
        default=list,
        blank=True,
        help_text="Shown in a session page's 'Trouble connecting?' box when these tech-check "
        "items fail.",
    )
    helpful_count = models.PositiveIntegerField(default=0, editable=False)
    not_helpful_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    search_vector = models.GeneratedField(
        expression=SearchVector(_words("title"), weight="A", config=SEARCH_CONFIG)
        + SearchVector(_words("keywords"), weight="B", config=SEARCH_CONFIG)
        + SearchVector(_words("summary"), weight="B", config=SEARCH_CONFIG)
        + SearchVector(_words("body_text"), weight="C", config=SEARCH_CONFIG),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    # Title, keywords and summary alone: what a search of only common words is matched against
    # (support/search.py), small enough that matching it never reads the whole table.
    head_vector = models.GeneratedField(
        expression=SearchVector(_words("title"), weight="A", config=SEARCH_CONFIG)
        + SearchVector(_words("keywords"), weight="B", config=SEARCH_CONFIG)
        + SearchVector(_words("summary"), weight="B", config=SEARCH_CONFIG),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["category", "title"]
        indexes = [
            GinIndex(fields=["search_vector"], name="help_article_search"),
            GinIndex(fields=["head_vector"], name="help_article_head"),
            models.Index(fields=["status", "audience", "category"], name="help_article_listed"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == ArticleStatus.PUBLISHED


class HelpVote(models.Model):
    """One person's (or one signed-out browser's) answer to "Did this help?"; a second answer
    replaces the first, and the article's counts follow."""

    article = models.ForeignKey(HelpArticle, on_delete=models.CASCADE, related_name="votes")
    voter = models.CharField(
        max_length=80, help_text="user:<id>, or session:<hash> for someone signed out."
    )
    helpful = models.BooleanField()
    voted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "voter"], name="help_vote_once"),
        ]

    def __str__(self) -> str:
        return f"{self.voter} on {self.article_id}: {'yes' if self.helpful else 'no'}"


class Guide(models.Model):
    """A training guide: articles read in order ("Getting started with Harbor")."""

    title = models.CharField(max_length=160)
    slug = models.SlugField(max_length=80, unique=True)
    summary = models.CharField(max_length=300, blank=True)
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.CLIENTS)
    status = models.CharField(
        max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    is_onboarding = models.BooleanField(
        default=False, help_text="The guide a new client's getting-started checklist asks for."
    )
    articles: models.ManyToManyField[HelpArticle, GuideStep] = models.ManyToManyField(
        HelpArticle, through="GuideStep", related_name="guides", blank=True
    )

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_onboarding"],
                condition=Q(is_onboarding=True),
                name="guide_one_onboarding",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class GuideStep(models.Model):
    guide = models.ForeignKey(Guide, on_delete=models.CASCADE, related_name="steps")
    article = models.ForeignKey(HelpArticle, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["guide_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["guide", "position"], name="guide_step_position"),
            models.UniqueConstraint(fields=["guide", "article"], name="guide_step_article"),
        ]

    def __str__(self) -> str:
        return f"{self.guide_id}.{self.position}: {self.article_id}"


class ArticleRead(models.Model):
    """The first time a signed-in person opened an article (a guide's progress)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    article = models.ForeignKey(HelpArticle, on_delete=models.CASCADE, related_name="+")
    first_read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "article"], name="article_read_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.article_id}"


class OnboardingCompletion(models.Model):
    """A client finished the getting-started checklist: their home page stops asking."""

    client = models.OneToOneField(
        "accounts.ClientProfile", on_delete=models.CASCADE, related_name="+"
    )
    completed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.client_id} onboarded {self.completed_at:%Y-%m-%d}"
