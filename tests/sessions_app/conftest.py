"""Sessions fixtures: two groups of the test program, each with its facilitator and a client.

group        facilitated by `clinician`, `client_profile` enrolled
other_group  facilitated by `other_clinician`, `other_client_profile` enrolled
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from iop.consents.models import ConsentKind, ConsentMethod
from iop.consents.services import consent_grant
from iop.notify.backends import locmem
from sessions_app.models import Enrolment, Group, Session, SessionKind, SessionStatus
from sessions_app.services.schedule import set_timers
from tests.factories import ConsentDocumentFactory

CLIENT_PHONE = "+14155550123"


@pytest.fixture(autouse=True)
def sessions_settings(settings, fast_password_hashing):
    settings.SMS_BACKEND = "locmem"
    settings.PUBLIC_BASE_URL = "https://harbor.example.org"
    # Quiet hours would make results depend on the hour the suite runs; their test turns them on.
    settings.NOTIFY_QUIET_START = settings.NOTIFY_QUIET_END = 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.JITSI_APP_ID = settings.JITSI_APP_SECRET = settings.JITSI_WEBHOOK_SECRET = ""
    locmem.reset()
    yield settings
    locmem.reset()


@pytest.fixture
def group(program, clinician, client_profile):
    group = Group.objects.create(
        program=program, name="Evening Group", capacity=3, guidelines="Be kind."
    )
    group.facilitators.add(clinician)
    Enrolment.objects.create(group=group, client=client_profile, starts_on=date(2020, 1, 1))
    return group


@pytest.fixture
def other_group(program, other_clinician, other_client_profile):
    group = Group.objects.create(program=program, name="Morning Group", capacity=3)
    group.facilitators.add(other_clinician)
    Enrolment.objects.create(group=group, client=other_client_profile, starts_on=date(2020, 1, 1))
    return group


def texting(profile, clinician):
    """Give the client a phone number and SMS consent."""
    user = profile.user
    user.phone = CLIENT_PHONE if profile.user.email == "client@example.org" else "+14155550199"
    user.save(update_fields=["phone"])
    document = ConsentDocumentFactory(kind=ConsentKind.SMS)
    consent_grant(
        actor=clinician, client=profile, document=document, method=ConsentMethod.IN_SESSION
    )
    return profile


def make_session(
    group: Group,
    *,
    starts_at: datetime | None = None,
    minutes: int = 60,
    title: str = "Group therapy",
    facilitator=None,
    now: datetime | None = None,
) -> Session:
    """A single group session written directly (tests of other behaviour than scheduling)."""
    starts_at = starts_at or timezone.now() + timedelta(hours=2)
    session = Session(
        program=group.program,
        group=group,
        kind=SessionKind.GROUP,
        title=title,
        facilitator=facilitator or group.facilitators.first(),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        local_date=starts_at.astimezone(ZoneInfo(group.program.time_zone)).date(),
        status=SessionStatus.SCHEDULED,
    )
    set_timers(session, now=now or starts_at - timedelta(days=1))
    session.save()
    return session
