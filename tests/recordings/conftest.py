"""Recordings fixtures: a group session under way, facilitated by `clinician`, with two clients.

client_profile   Casey Client: agreed to every recording purpose
jordan           Jordan Park: agreed to none
The local recorder records (RECORDING_PROVIDER_LOCAL), as in `make run`; the LiveKit fake and
its staging bucket (tests/livekit_fake.py) are here for the LiveKit recorder's tests.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.utils import timezone

from iop.consents.models import ConsentKind, ConsentMethod
from iop.consents.services import consent_grant, consent_withdraw
from sessions_app.models import Enrolment, Group
from tests.factories import ClientProfileFactory, ConsentDocumentFactory, UserFactory
from tests.livekit_fake import livekit, livekit_fake, staging_s3  # noqa: F401 - fixtures
from tests.notify.conftest import run_worker  # noqa: F401 - fixture
from tests.recordings.livekit_room import hooked, live_session  # noqa: F401 - fixtures
from tests.sessions_app.conftest import make_session

RECORDING_KINDS = [
    ConsentKind.RECORDING_THERAPEUTIC,
    ConsentKind.RECORDING_QA,
    ConsentKind.RECORDING_EDUCATION,
    ConsentKind.RECORDING_CATCHUP,
]


@pytest.fixture(autouse=True)
def recordings_settings(settings, fast_password_hashing):
    settings.RECORDING_PROVIDER_LOCAL = True
    settings.SESSIONS_VIDEO_PROVIDER = "jitsi"
    settings.JITSI_BASE_URL = "https://video.example.org"
    settings.JITSI_APP_ID = settings.JITSI_APP_SECRET = ""
    return settings


def grant(client, kind, *, by):
    document = ConsentDocumentFactory(kind=kind)
    return consent_grant(actor=by, client=client, document=document, method=ConsentMethod.PAPER)


def withdraw(client, kind, *, by):
    return consent_withdraw(actor=by, client=client, kind=kind, method=ConsentMethod.PAPER)


@pytest.fixture
def jordan(program, clinician):
    from tests.factories import CareTeamFactory

    profile = ClientProfileFactory(
        user=UserFactory(email="jordan@example.org", full_name="Jordan Park"), program=program
    )
    CareTeamFactory(client=profile, clinician=clinician, is_primary=True)
    return profile


@pytest.fixture
def group(program, clinician, client_profile, jordan):
    group = Group.objects.create(program=program, name="Evening Group", capacity=5)
    group.facilitators.add(clinician)
    for client in (client_profile, jordan):
        Enrolment.objects.create(group=group, client=client, starts_on=date(2020, 1, 1))
    for kind in RECORDING_KINDS:
        grant(client_profile, kind, by=clinician)
    return group


@pytest.fixture
def session(group):
    """A group session that started five minutes ago and runs ninety."""
    return make_session(
        group, starts_at=timezone.now() - timedelta(minutes=5), minutes=90, title="Now group"
    )


# The access-request and catch-up tests' stored recordings (after grant and withdraw, which
# they use).
from tests.recordings.access_fixtures import media_dir, qa_recording  # noqa: E402, F401, I001


@pytest.fixture
def clock():
    """Time stands still for the test, and moves when it says."""
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller
