"""Crisis test fixtures: the locmem provider, phones, a policy, a rota, consents, answers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from crisis.models import OnCallShift, StepTarget
from crisis.services import escalation_policy_save
from iop.accounts.models import Role
from iop.consents.models import ConsentKind, ConsentMethod
from iop.consents.services import consent_grant
from iop.notify.backends import locmem
from tests.factories import ConsentDocumentFactory, EmergencyContactFactory, StaffFactory
from tests.twilio_fake import ACCOUNT_SID, AUTH_TOKEN

CLINIC_NUMBER = "+14155550100"
CLIENT_PHONE = "+14155550123"
CLINICIAN_PHONE = "+14155550111"
ON_CALL_PHONE = "+14155550122"
SUPERVISOR_PHONE = "+14155550133"
PUBLIC_BASE_URL = "https://harbor.example.org"


@pytest.fixture(autouse=True)
def crisis_settings(settings, fast_password_hashing):
    settings.SMS_BACKEND = "locmem"
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_FROM_NUMBER = CLINIC_NUMBER
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    settings.TWILIO_API_BASE_URL = ""
    settings.PUBLIC_BASE_URL = PUBLIC_BASE_URL
    settings.NOTIFY_QUIET_START = settings.NOTIFY_QUIET_END = 0
    settings.CRISIS_FOLLOW_UP_HOURS = [24, 72, 168]
    settings.CRISIS_FOLLOW_UP_GRACE_MINUTES = 120
    locmem.reset()
    yield settings
    locmem.reset()


def _phone(user, number):
    """A number the person has verified (as the profile's texted code would leave it)."""
    user.phone, user.phone_verified_at = number, timezone.now()
    user.save(update_fields=["phone", "phone_verified_at"])
    return user


@pytest.fixture
def team(client_profile, clinician, supervisor, program):
    """The client with a phone, their clinician, a supervisor and an on-call clinician on shift."""
    _phone(client_profile.user, CLIENT_PHONE)
    _phone(clinician, CLINICIAN_PHONE)
    _phone(supervisor, SUPERVISOR_PHONE)
    on_call = _phone(
        StaffFactory(email="oncall@example.org", role=Role.CLINICIAN, profile__program=program),
        ON_CALL_PHONE,
    )
    # Wide enough for the real clock and for every time the tests travel to.
    OnCallShift.objects.create(
        program=program,
        user=on_call,
        starts_at=timezone.now() - timedelta(days=400),
        ends_at=timezone.now() + timedelta(days=400),
        time_zone="America/New_York",
    )
    return {
        "client": client_profile,
        "primary": clinician,
        "on_call": on_call,
        "supervisor": supervisor,
    }


@pytest.fixture
def policy(admin_user, program):
    """Primary (feed+SMS, 5 min) → on call (feed+SMS+voice, 5 min) → supervisor (feed+SMS, 5 min),
    twice over."""
    return escalation_policy_save(
        actor=admin_user,
        name="Test policy",
        program=program,
        is_default=True,
        repeat_count=2,
        steps=[
            {"target": StepTarget.PRIMARY, "channels": ["feed", "sms"], "wait_minutes": 5},
            {"target": StepTarget.ON_CALL, "channels": ["feed", "sms", "voice"], "wait_minutes": 5},
            {"target": StepTarget.SUPERVISOR, "channels": ["feed", "sms"], "wait_minutes": 5},
        ],
    )


@pytest.fixture
def documents(db):
    return {kind: ConsentDocumentFactory(kind=kind, version=1) for kind in ConsentKind.values}


@pytest.fixture
def grant(documents, clinician):
    def give(client, kind):
        return consent_grant(
            actor=clinician,
            client=client,
            document=documents[kind],
            method=ConsentMethod.IN_SESSION,
        )

    return give


@pytest.fixture
def contact(client_profile):
    return EmergencyContactFactory(
        client=client_profile, priority=1, name="Sam Sister", phone="+14155550199"
    )


PHQ9_ZERO = {f"q{n}": 0 for n in range(1, 10)}
GAD7_ZERO = {f"q{n}": 0 for n in range(1, 8)}


def phq9(total: int, *, item9: int = 0) -> dict[str, int]:
    """PHQ-9 answers adding up to `total`, with item 9 as given."""
    answers = dict(PHQ9_ZERO, q9=item9)
    remaining = total - item9
    for n in range(1, 9):
        answers[f"q{n}"] = min(3, remaining)
        remaining -= answers[f"q{n}"]
    assert remaining == 0, f"cannot make {total} with item 9 = {item9}"
    return answers


def gad7(total: int) -> dict[str, int]:
    answers = dict(GAD7_ZERO)
    remaining = total
    for n in range(1, 8):
        answers[f"q{n}"] = min(3, remaining)
        remaining -= answers[f"q{n}"]
    assert remaining == 0
    return answers


# The browser test uses the shared chromium fixtures (the daphne server is in tests/conftest.py).
from tests.browser.conftest import browser_page, chromium  # noqa: E402, F401
