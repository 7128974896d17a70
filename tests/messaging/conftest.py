"""Messaging test fixtures: the locmem outbox backends, a phone and consents, and clinic times.

The clinic reads messages Mon-Fri 09:00-17:00 in the program's zone (New York), US holidays
closed (the settings' defaults); times here are New York wall-clock times made with `ny(...)`.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from iop.consents.models import ConsentKind, ConsentMethod
from iop.consents.services import consent_grant
from iop.notify.backends import locmem
from tests.api.conftest import make_key  # noqa: F401 - fixture
from tests.factories import ConsentDocumentFactory

NY = ZoneInfo("America/New_York")
CLIENT_PHONE = "+14155550123"


def ny(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NY)


# A Tuesday morning, clinic open; the same evening, closed.
OPEN = ny(2026, 3, 3, 10, 0)
CLOSED = ny(2026, 3, 3, 20, 0)


@pytest.fixture(autouse=True)
def messaging_settings(settings, fast_password_hashing):
    settings.SMS_BACKEND = "locmem"
    settings.PUBLIC_BASE_URL = "https://harbor.example.org"
    settings.NOTIFY_QUIET_START = settings.NOTIFY_QUIET_END = 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MESSAGING_CLINIC_HOURS = "09:00-17:00"
    settings.MESSAGING_CLINIC_DAYS = ["mon", "tue", "wed", "thu", "fri"]
    settings.MESSAGING_HOLIDAY_COUNTRY = "US"
    settings.MESSAGING_REPLY_WITHIN_MINUTES = 0
    settings.MESSAGING_SUPERVISOR_AFTER_MINUTES = 240
    locmem.reset()
    yield settings
    locmem.reset()


@pytest.fixture
def texting_client(client_profile, clinician):
    """Our client with a verified phone who agreed to text messages."""
    user = client_profile.user
    user.phone, user.phone_verified_at = CLIENT_PHONE, timezone.now()
    user.save(update_fields=["phone", "phone_verified_at"])
    with time_machine.travel(ny(2026, 1, 5, 10, 0), tick=False):  # before the tests' times
        consent_grant(
            actor=clinician,
            client=client_profile,
            document=ConsentDocumentFactory(kind=ConsentKind.SMS, version=1),
            method=ConsentMethod.IN_SESSION,
        )
    return client_profile
