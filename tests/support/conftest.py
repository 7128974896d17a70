"""Support fixtures: the demo clinic's help articles and guide, written through the services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from iop.notify.backends import locmem
from support.demo import seed_articles
from support.models import Announcement, Audience, HelpArticle, Severity
from support.services import announcement_save


@pytest.fixture(autouse=True)
def support_settings(settings, fast_password_hashing):
    settings.SMS_BACKEND = "locmem"
    settings.PUBLIC_BASE_URL = "https://harbor.example.org"
    settings.NOTIFY_QUIET_START = settings.NOTIFY_QUIET_END = 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    locmem.reset()
    yield settings
    locmem.reset()


@pytest.fixture
def articles(admin_user) -> dict[str, HelpArticle]:
    """Every demo article (published) and the getting-started guide, by slug."""
    seed_articles(admin_user)
    return {a.slug: a for a in HelpArticle.objects.all()}


@pytest.fixture
def make_announcement(admin_user):
    def make(**fields) -> Announcement:
        now = timezone.now()
        values = {
            "title": "Planned maintenance",
            "shown_from": now - timedelta(hours=1),
            "shown_to": now + timedelta(days=2),
            "severity": Severity.MAINTENANCE,
            "audience": Audience.BOTH,
            **fields,
        }
        return announcement_save(actor=admin_user, **values)

    return make
