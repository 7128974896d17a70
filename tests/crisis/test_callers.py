"""Services and selectors that read a person's role refuse other callers cleanly: an API key or
an anonymous visitor gets NotAllowed or nothing, never an AttributeError (a 500)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from crisis.models import CheckInChannel, CrisisSource
from crisis.selectors import (
    banner_events_for,
    escalation_policies_visible_to,
    overrides_visible_to,
)
from crisis.services import (
    check_in_submit,
    crisis_open,
    escalation_policy_save,
    on_call_shift_save,
)
from iop.api.models import Scope
from iop.api.services import api_key_create
from iop.domain import NotAllowed

pytestmark = pytest.mark.django_db
STEPS = [{"target": "primary", "channels": ["sms"], "wait_minutes": 5}]


@pytest.fixture
def api_key(program, admin_user):
    key, _token = api_key_create(
        actor=admin_user,
        name="EHR sync",
        program=program,
        scopes=list(Scope.values),
        expires_at=timezone.now() + timedelta(days=30),
    )
    return key


def test_an_api_key_cannot_manage_escalation_policies_or_the_rota(api_key, program, clinician):
    with pytest.raises(NotAllowed):
        escalation_policy_save(actor=api_key, name="Key's", steps=STEPS, program=program)
    now = timezone.now()
    with pytest.raises(NotAllowed):
        on_call_shift_save(
            actor=api_key,
            program=program,
            user=clinician,
            starts_at=now,
            ends_at=now + timedelta(hours=8),
            time_zone="UTC",
        )


def test_an_anonymous_visitor_cannot_check_in_or_open_a_crisis(client_profile):
    with pytest.raises(NotAllowed):
        check_in_submit(
            actor=AnonymousUser(),
            client=client_profile,
            instrument="mood",
            answers={"mood": 5},
            channel=CheckInChannel.PORTAL,
        )
    with pytest.raises(NotAllowed):
        crisis_open(actor=AnonymousUser(), client=client_profile, source=CrisisSource.HELP_BUTTON)


def test_the_banner_and_overrides_show_nothing_to_an_api_key(api_key):
    assert banner_events_for(api_key) == {"events": [], "unacknowledged_elsewhere": 0}
    assert not overrides_visible_to(api_key).exists()


def test_policies_are_visible_to_a_key_in_its_program_and_to_nobody_anonymous(
    api_key, admin_user, program, other_program
):
    ours = escalation_policy_save(actor=admin_user, name="Ours", steps=STEPS, program=program)
    clinic = escalation_policy_save(actor=admin_user, name="Clinic", steps=STEPS)
    theirs = escalation_policy_save(
        actor=admin_user, name="Theirs", steps=STEPS, program=other_program
    )
    seen = set(escalation_policies_visible_to(api_key))
    assert {ours, clinic} <= seen
    assert theirs not in seen
    assert not escalation_policies_visible_to(AnonymousUser()).exists()
