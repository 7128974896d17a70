"""Messaging test fixtures: the locmem outbox backends, clinic times, a texting client
(threads); our client's group with a second member (Pat) and a peer space, another caseload's
group with its own space, members who accepted the guidelines (peer spaces).

The clinic reads messages Mon-Fri 09:00-17:00 in the program's zone (New York), US holidays
closed (the settings' defaults); times here are New York wall-clock times made with `ny(...)`.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from iop.accounts.models import ClientProfile
from iop.consents.models import ConsentKind, ConsentMethod
from iop.consents.services import consent_grant
from iop.notify.backends import locmem
from messaging.models import PeerSpace
from messaging.services import peer_guidelines_accept, peer_space_enable
from sessions_app.models import Enrolment, Group
from tests.api.conftest import make_key  # noqa: F401 - fixture
from tests.factories import (
    CareTeamFactory,
    ClientProfileFactory,
    ConsentDocumentFactory,
    UserFactory,
)

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


@pytest.fixture
def peer_profile(program, clinician):
    """A second member of our client's group (Pat), on the same clinician's caseload."""
    profile = ClientProfileFactory(
        user=UserFactory(email="pat.peer@example.org", full_name="Pat Peerson"), program=program
    )
    CareTeamFactory(client=profile, clinician=clinician, is_primary=True)
    return profile


@pytest.fixture
def group(program, clinician, client_profile, peer_profile) -> Group:
    group = Group.objects.create(program=program, name="Evening Group", capacity=6)
    group.facilitators.add(clinician)
    for profile in (client_profile, peer_profile):
        Enrolment.objects.create(group=group, client=profile, starts_on=date(2020, 1, 1))
    return group


@pytest.fixture
def other_group(program, other_clinician, other_client_profile) -> Group:
    group = Group.objects.create(program=program, name="Morning Group", capacity=6)
    group.facilitators.add(other_clinician)
    Enrolment.objects.create(group=group, client=other_client_profile, starts_on=date(2020, 1, 1))
    return group


@pytest.fixture
def space(group, admin_user) -> PeerSpace:
    return peer_space_enable(actor=admin_user, group=group)


@pytest.fixture
def other_space(other_group, admin_user) -> PeerSpace:
    return peer_space_enable(actor=admin_user, group=other_group)


def join(space: PeerSpace, profile: ClientProfile, name: str = "") -> None:
    """The client accepts the space's guidelines under a name."""
    peer_guidelines_accept(
        actor=profile.user,
        space=space,
        shown_name=name or profile.user.full_name.split()[0],
        accepted=True,
    )


@pytest.fixture
def members(space, client_profile, peer_profile) -> PeerSpace:
    """Both members accepted the guidelines (as Casey and Pat)."""
    join(space, client_profile)
    join(space, peer_profile)
    return space
