"""Admin: articles written in Markdown with a live preview and saved through the service,
guides by article address in order, announcements with their rules; deletes through services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from support.models import Announcement, Guide, HelpArticle
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

ARTICLE_ADD = "/admin/support/helparticle/add/"
PREVIEW = "/admin/support/helparticle/preview/"


def article_form(**extra):
    return {
        "title": "Headset not found",
        "slug": "headset-not-found",
        "summary": "When the room cannot find your headset.",
        "keywords": "headphones, bluetooth",
        "category": "audio_video",
        "audience": "clients",
        "status": "published",
        "tech_topics": ["microphone"],
        "body": "## Try this\n\n1. Plug it in again.\n\n<script>alert(1)</script>",
        **extra,
    }


def test_an_article_is_saved_rendered_and_sanitised(admin_user):
    response = sign_in(admin_user).post(ARTICLE_ADD, article_form())
    assert response.status_code == 302, response.content.decode()[:2000]
    article = HelpArticle.objects.get(slug="headset-not-found")
    assert "<h2>Try this</h2>" in article.body_html and "<script" not in article.body_html
    assert article.updated_by == admin_user and article.tech_topics == ["microphone"]
    change = sign_in(admin_user).get(f"/admin/support/helparticle/{article.pk}/change/")
    assert 'id="help-preview"' in change.content.decode()
    assert "<h2>Try this</h2>" in change.content.decode()  # the saved body, previewed


def test_a_taken_address_and_a_bad_topic_are_refused_on_the_form(admin_user, articles):
    browser = sign_in(admin_user)
    response = browser.post(ARTICLE_ADD, article_form(slug="echo"))
    assert response.status_code == 200
    assert "already" in response.content.decode()
    response = browser.post(ARTICLE_ADD, article_form(tech_topics=["smell"]))
    assert response.status_code == 200
    assert not HelpArticle.objects.filter(title="Headset not found").exists()


def test_the_preview_renders_without_saving_and_only_for_admins(admin_user, support_agent):
    response = sign_in(admin_user).post(PREVIEW, {"body": "**Hi** <img src=x onerror=alert(1)>"})
    assert response.json()["html"] == "<p><strong>Hi</strong> </p>"
    assert not HelpArticle.objects.exists()
    assert sign_in(support_agent).post(PREVIEW, {"body": "x"}).status_code == 302  # to sign in
    assert sign_in(admin_user).get(PREVIEW).status_code == 405


def test_a_guide_lists_its_articles_by_address_in_order(admin_user, articles):
    data = {
        "title": "Sound problems",
        "slug": "sound-problems",
        "summary": "",
        "audience": "clients",
        "status": "published",
        "article_slugs": "no-sound\necho\n",
    }
    browser = sign_in(admin_user)
    response = browser.post(
        "/admin/support/guide/add/", {**data, "article_slugs": "no-sound\nnope"}
    )
    assert response.status_code == 200 and "No article at: nope." in response.content.decode()
    response = browser.post("/admin/support/guide/add/", data)
    assert response.status_code == 302
    guide = Guide.objects.get(slug="sound-problems")
    assert list(guide.steps.values_list("article__slug", flat=True)) == ["no-sound", "echo"]


def test_an_article_in_a_guide_cannot_be_deleted(admin_user, articles):
    article = articles["signing-in"]
    browser = sign_in(admin_user)
    # The admin sees the guide step protecting it and names it instead of deleting.
    response = browser.post(f"/admin/support/helparticle/{article.pk}/delete/", {"post": "yes"})
    assert response.status_code == 200 and "protected" in response.content.decode()
    assert HelpArticle.objects.filter(pk=article.pk).exists()
    echo = articles["echo"]
    assert (
        browser.post(f"/admin/support/helparticle/{echo.pk}/delete/", {"post": "yes"}).status_code
        == 302
    )
    assert not HelpArticle.objects.filter(pk=echo.pk).exists()


def test_an_announcement_is_checked_and_its_notice_timer_set(admin_user):
    now = timezone.localtime()
    data = {
        "title": "Maintenance",
        "body": "About an hour.",
        "severity": "maintenance",
        "audience": "both",
        "program": "",
        "shown_from_0": now.strftime("%Y-%m-%d"),
        "shown_from_1": now.strftime("%H:%M:%S"),
        "shown_to_0": (now - timedelta(days=1)).strftime("%Y-%m-%d"),
        "shown_to_1": now.strftime("%H:%M:%S"),
        "happens_at_0": "",
        "happens_at_1": "",
        "tell_people": "on",
        "tell_hours_ahead": "24",
    }
    browser = sign_in(admin_user)
    response = browser.post("/admin/support/announcement/add/", data)
    assert response.status_code == 200
    assert "The banner must end after it starts." in response.content.decode()
    later = now + timedelta(days=2)
    data.update(shown_to_0=later.strftime("%Y-%m-%d"), happens_at_0=later.strftime("%Y-%m-%d"))
    data["happens_at_1"] = "00:00:00"
    response = browser.post("/admin/support/announcement/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    announcement = Announcement.objects.get()
    assert announcement.notice_due_at == announcement.happens_at - timedelta(hours=24)
