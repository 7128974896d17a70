"""Support test fixtures: the demo clinic's help articles and guide, announcements; the desk's calendar (Mon-Fri 09:00-12:00 and 13:00-17:00 in New York,
US holidays), SLA policies per priority, a tier-2 specialist and a support lead.

Times in these tests are New York wall-clock times, made with `ny(...)`.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from iop.accounts.models import Role
from iop.notify.backends import locmem
from support.demo import seed_articles
from support.models import (
    Announcement,
    Audience,
    BusinessHours,
    HelpArticle,
    Severity,
    SlaPolicy,
    SupportCalendar,
    TicketPriority,
)
from support.services import announcement_save
from tests.api.conftest import make_key  # noqa: F401 - fixture
from tests.browser.conftest import browser_page, chromium  # noqa: F401 - fixtures
from tests.factories import StaffFactory
from tests.sessions_app.conftest import group, other_group  # noqa: F401 - fixtures

NY = ZoneInfo("America/New_York")
# Targets in business minutes: first response, next reply, resolution.
TARGETS = {
    TicketPriority.URGENT: (30, 30, 240),
    TicketPriority.HIGH: (60, 120, 480),
    TicketPriority.NORMAL: (120, 240, 960),
    TicketPriority.LOW: (480, 960, 2400),
}


def ny(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=NY)


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
def calendar(db):
    """Weekdays 09:00-12:00 and 13:00-17:00 in New York; US (New York) public holidays."""
    desk = SupportCalendar.objects.create(
        name="Desk", time_zone="America/New_York", holiday_country="US", holiday_subdivision="NY"
    )
    for weekday in range(5):
        BusinessHours.objects.create(calendar=desk, weekday=weekday, opens=time(9), closes=time(12))
        BusinessHours.objects.create(
            calendar=desk, weekday=weekday, opens=time(13), closes=time(17)
        )
    return desk


@pytest.fixture
def policies(calendar):
    return {
        priority: SlaPolicy.objects.create(
            name=f"{priority} policy",
            priority=priority,
            calendar=calendar,
            first_response_minutes=first,
            next_reply_minutes=following,
            resolution_minutes=resolution,
        )
        for priority, (first, following, resolution) in TARGETS.items()
    }


@pytest.fixture
def specialist(program):
    return StaffFactory(
        email="specialist@example.org",
        full_name="Morgan Specialist",
        role=Role.SUPPORT_TIER2,
        profile__program=program,
    )


@pytest.fixture
def lead(admin_user):
    return admin_user


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
