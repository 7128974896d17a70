"""Tech support in the Django admin; every change goes through a service.

Help articles are written in Markdown with a live preview (the page posts the text to the
`preview/` view, which renders and sanitises it exactly as saving does); guides list their
articles by address, in order; announcements set their own notice timer when saved.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from iop.service_admin import ServiceAdmin, ServiceForm
from support import admin_tickets  # noqa: F401 - registers the desk's set-up
from support.markdown_text import render
from support.models import Announcement, Guide, HelpArticle, TechTopic
from support.services import (
    announcement_delete,
    announcement_save,
    guide_save,
    help_article_delete,
    help_article_save,
)
from support.services.help import MAX_BODY

# -- help articles -------------------------------------------------------------------------------


class HelpArticleForm(ServiceForm):
    tech_topics = forms.MultipleChoiceField(
        choices=TechTopic.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Shown in a session page's 'Trouble connecting?' box when these items fail.",
    )
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 24, "cols": 90, "data-preview": "1"}),
        max_length=MAX_BODY,
        help_text="Markdown: ## headings, - lists, 1. steps, **bold**, [links](https://…).",
    )

    class Meta:
        model = HelpArticle
        fields = [
            "title",
            "slug",
            "summary",
            "keywords",
            "category",
            "audience",
            "status",
            "tech_topics",
            "body",
        ]

    def call(self, data: dict[str, Any], existing: Model | None) -> HelpArticle:
        return help_article_save(
            actor=self.actor,
            article=self.instance if self.instance.pk else None,
            title=data["title"],
            slug=data["slug"],
            summary=data.get("summary") or "",
            keywords=data.get("keywords") or "",
            body=data["body"],
            category=data["category"],
            audience=data["audience"],
            status=data["status"],
            tech_topics=data.get("tech_topics") or [],
        )


@admin.register(HelpArticle)
class HelpArticleAdmin(ServiceAdmin):
    form = HelpArticleForm
    list_display = [
        "title",
        "category",
        "audience",
        "status",
        "helpful_count",
        "not_helpful_count",
        "updated_at",
    ]
    list_filter = ["status", "category", "audience"]
    search_fields = ["title", "summary", "keywords"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["preview", "helpful_count", "not_helpful_count", "updated_at", "updated_by"]

    class Media:
        js = ["js/help_preview.js"]

    def get_fields(self, request, obj=None):
        return [*HelpArticleForm.Meta.fields, "preview", *self.readonly_fields[1:]]

    @admin.display(description="Preview")
    def preview(self, obj: HelpArticle) -> SafeString:
        # body_html was sanitised by nh3 when the article was saved; the script replaces it
        # with a fresh preview as the body is edited.
        return format_html(
            '<div id="help-preview" class="help-preview" data-url="{}">{}</div>',
            reverse("admin:support_helparticle_preview"),
            mark_safe(obj.body_html) if obj.pk else "",  # noqa: S308 - sanitised on save
        )

    def get_urls(self):
        preview = self.admin_site.admin_view(require_POST(self.preview_view))
        return [
            path("preview/", preview, name="support_helparticle_preview"),
            *super().get_urls(),
        ]

    def preview_view(self, request: HttpRequest) -> HttpResponse:
        """The Markdown in the form, rendered and sanitised as saving would (nothing saved)."""
        if not self.has_change_permission(request) and not self.has_add_permission(request):
            return JsonResponse({"html": ""}, status=403)
        body = request.POST.get("body", "")[:MAX_BODY]
        return JsonResponse({"html": render(body).html})

    def delete_model(self, request, obj):
        help_article_delete(actor=request.user, article=obj)

    def delete_queryset(self, request, queryset):
        for article in queryset:
            help_article_delete(actor=request.user, article=article)


# -- guides --------------------------------------------------------------------------------------


class GuideForm(ServiceForm):
    article_slugs = forms.CharField(
        label="Articles, in order",
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="One article address (slug) a line, in the order they are read.",
    )

    class Meta:
        model = Guide
        fields = ["title", "slug", "summary", "audience", "status", "is_onboarding"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["article_slugs"] = "\n".join(
                self.instance.steps.order_by("position").values_list("article__slug", flat=True)
            )

    def call(self, data: dict[str, Any], existing: Model | None) -> Guide:
        slugs = [line.strip() for line in data["article_slugs"].splitlines() if line.strip()]
        ids = dict(HelpArticle.objects.filter(slug__in=slugs).values_list("slug", "pk"))
        missing = [s for s in slugs if s not in ids]
        if missing:
            raise ValidationError({"article_slugs": [f"No article at: {', '.join(missing)}."]})
        try:
            return guide_save(
                actor=self.actor,
                guide=self.instance if self.instance.pk else None,
                title=data["title"],
                slug=data["slug"],
                summary=data.get("summary") or "",
                audience=data["audience"],
                status=data["status"],
                is_onboarding=bool(data.get("is_onboarding")),
                article_ids=[ids[s] for s in slugs],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict") and "articles" in error.error_dict:
                raise ValidationError({"article_slugs": error.error_dict["articles"]}) from None
            raise


@admin.register(Guide)
class GuideAdmin(ServiceAdmin):
    form = GuideForm
    list_display = ["title", "audience", "status", "is_onboarding"]
    prepopulated_fields = {"slug": ["title"]}


# -- announcements -------------------------------------------------------------------------------


class AnnouncementForm(ServiceForm):
    class Meta:
        model = Announcement
        fields = [
            "title",
            "body",
            "severity",
            "audience",
            "program",
            "shown_from",
            "shown_to",
            "happens_at",
            "tell_people",
            "tell_hours_ahead",
        ]

    def call(self, data: dict[str, Any], existing: Model | None) -> Announcement:
        return announcement_save(
            actor=self.actor,
            announcement=self.instance if self.instance.pk else None,
            title=data["title"],
            body=data.get("body") or "",
            severity=data["severity"],
            audience=data["audience"],
            program=data.get("program"),
            shown_from=data["shown_from"],
            shown_to=data["shown_to"],
            happens_at=data.get("happens_at"),
            tell_people=bool(data.get("tell_people")),
            tell_hours_ahead=data["tell_hours_ahead"],
        )


@admin.register(Announcement)
class AnnouncementAdmin(ServiceAdmin):
    form = AnnouncementForm
    list_display = ["title", "severity", "audience", "program", "shown_from", "shown_to", "notice"]
    list_filter = ["severity", "audience", "program"]
    readonly_fields = ["notice_due_at", "notice_sent_at", "notice_count"]

    @admin.display(description="Notice")
    def notice(self, obj: Announcement) -> str:
        if obj.notice_sent_at:
            return f"sent to {obj.notice_count}"
        if obj.notice_due_at:
            return "due"
        return "—"

    def delete_model(self, request, obj):
        announcement_delete(actor=request.user, announcement=obj)

    def delete_queryset(self, request, queryset):
        for announcement in queryset:
            announcement_delete(actor=request.user, announcement=announcement)
