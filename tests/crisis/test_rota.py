"""Policies and the on-call rota: bad input refused naming the field; who is on call now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from crisis.models import EscalationPolicy, EscalationStep, OnCallShift
from crisis.selectors import is_on_call_now, on_call_now
from crisis.services import escalation_policy_save, on_call_shift_save
from iop.accounts.models import Role, StaffProfile
from iop.domain import NotAllowed
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 6, 23, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("steps", "field"),
    [
        ([], "steps"),
        ([{"target": "primary", "channels": ["sms"], "wait_minutes": -5}], "steps.0.wait_minutes"),
        ([{"target": "primary", "channels": ["fax"], "wait_minutes": 5}], "steps.0.channels"),
        (
            [
                {"target": "primary", "channels": ["sms"], "wait_minutes": 5},
                {"target": "user", "channels": ["sms"], "wait_minutes": 5},
            ],
            "steps.1.user",
        ),
        ([{"target": "mayor", "channels": ["sms"], "wait_minutes": 5}], "steps.0.target"),
    ],
)
def test_a_bad_policy_is_refused_naming_the_field_and_nothing_is_saved(admin_user, steps, field):
    with pytest.raises(ValidationError) as caught:
        escalation_policy_save(actor=admin_user, name="Bad", steps=steps)
    assert field in caught.value.message_dict
    assert not EscalationPolicy.objects.exists() and not EscalationStep.objects.exists()


def test_the_database_refuses_a_negative_wait_too(admin_user):
    policy = escalation_policy_save(
        actor=admin_user,
        name="Ok",
        steps=[{"target": "primary", "channels": ["sms"], "wait_minutes": 1}],
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        EscalationStep.objects.filter(policy=policy).update(wait_minutes=-1)


def test_only_admins_and_the_programs_supervisors_edit_policies(clinician, supervisor, program):
    steps = [{"target": "primary", "channels": ["sms"], "wait_minutes": 1}]
    with pytest.raises(NotAllowed):
        escalation_policy_save(actor=clinician, name="x", steps=steps, program=program)
    escalation_policy_save(actor=supervisor, name="x", steps=steps, program=program)


def test_a_new_default_retires_the_old_one(admin_user, program):
    steps = [{"target": "primary", "channels": ["sms"], "wait_minutes": 1}]
    first = escalation_policy_save(
        actor=admin_user, name="a", steps=steps, program=program, is_default=True
    )
    second = escalation_policy_save(
        actor=admin_user, name="b", steps=steps, program=program, is_default=True
    )
    first.refresh_from_db()
    assert not first.is_default and second.is_default


def test_overlapping_shifts_on_one_rota_are_refused_naming_the_field(
    admin_user, program, clinician, other_clinician
):
    on_call_shift_save(
        actor=admin_user,
        program=program,
        user=clinician,
        starts_at=T0,
        ends_at=T0 + timedelta(hours=10),
        time_zone="America/New_York",
    )
    with pytest.raises(ValidationError) as caught:
        on_call_shift_save(
            actor=admin_user,
            program=program,
            user=other_clinician,
            starts_at=T0 + timedelta(hours=9),
            ends_at=T0 + timedelta(hours=20),
            time_zone="America/New_York",
        )
    assert "starts_at" in caught.value.message_dict
    assert "Overlaps" in caught.value.message_dict["starts_at"][0]
    # Back to back is fine.
    on_call_shift_save(
        actor=admin_user,
        program=program,
        user=other_clinician,
        starts_at=T0 + timedelta(hours=10),
        ends_at=T0 + timedelta(hours=20),
        time_zone="America/New_York",
    )
    assert OnCallShift.objects.count() == 2


def test_the_database_refuses_overlaps_even_past_the_service(
    program, clinician, other_clinician, other_program
):
    OnCallShift.objects.create(
        program=program,
        user=clinician,
        starts_at=T0,
        ends_at=T0 + timedelta(hours=5),
        time_zone="UTC",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        OnCallShift.objects.create(
            program=program,
            user=other_clinician,
            starts_at=T0 + timedelta(hours=1),
            ends_at=T0 + timedelta(hours=2),
            time_zone="UTC",
        )
    # Another program's rota is separate.
    OnCallShift.objects.create(
        program=other_program,
        user=other_clinician,
        starts_at=T0,
        ends_at=T0 + timedelta(hours=5),
        time_zone="UTC",
    )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"ends_at": T0}, "ends_at"), ({"time_zone": "Mars/Olympus"}, "time_zone")],
)
def test_bad_shifts_are_refused(admin_user, program, clinician, kwargs, field):
    data = {"starts_at": T0, "ends_at": T0 + timedelta(hours=1), "time_zone": "UTC", **kwargs}
    with pytest.raises(ValidationError) as caught:
        on_call_shift_save(actor=admin_user, program=program, user=clinician, **data)
    assert field in caught.value.message_dict


def test_on_call_now_follows_the_rota_and_falls_back_to_the_flag(
    program, clinician, other_clinician
):
    flagged = StaffFactory(role=Role.CLINICIAN, profile__program=program, profile__on_call=True)
    assert on_call_now(program.pk) == [flagged]
    OnCallShift.objects.create(
        program=program,
        user=clinician,
        starts_at=T0,
        ends_at=T0 + timedelta(hours=12),
        time_zone="UTC",
    )
    assert on_call_now(program.pk, at=T0 + timedelta(hours=1)) == [clinician]
    assert (
        on_call_now(program.pk, at=T0 + timedelta(hours=13)) == []
    )  # a rota exists: the flag no longer counts
    assert not is_on_call_now(flagged, at=T0 + timedelta(hours=1))
    assert StaffProfile.objects.get(user=flagged).is_on_call


def test_is_on_call_now_asks_on_call_nows_rule_of_one_person(program, other_program, clinician):
    """is_on_call_now (one query, also the crisis list's on-call scope) agrees with on_call_now
    for each person and moment: the flag before a rota, then only covering shifts of the
    person's own program, and never for someone deactivated."""
    flagged = StaffFactory(role=Role.CLINICIAN, profile__program=program, profile__on_call=True)
    gone = StaffFactory(role=Role.CLINICIAN, profile__program=program, profile__on_call=True)
    gone.is_active = False
    gone.save()
    elsewhere = StaffFactory(role=Role.CLINICIAN, profile__program=other_program)
    people = [flagged, gone, clinician, elsewhere]
    moments = [T0 - timedelta(hours=1), T0 + timedelta(hours=1), T0 + timedelta(hours=13)]

    def agree() -> list[tuple[str, datetime, bool]]:
        answers = []
        for person in people:
            for at in moments:
                on_call = is_on_call_now(person, at=at)
                program_id = StaffProfile.objects.get(user=person).program_id
                assert on_call == (person in on_call_now(program_id, at=at)), (person, at)
                answers.append((person.email, at, on_call))
        return answers

    before_rota = agree()
    assert {(email, on) for email, _, on in before_rota} == {
        (flagged.email, True),
        (gone.email, False),
        (clinician.email, False),
        (elsewhere.email, False),
    }
    hours = timedelta(hours=12)
    OnCallShift.objects.create(program=program, user=clinician, starts_at=T0, ends_at=T0 + hours)
    OnCallShift.objects.create(
        program=program, user=gone, starts_at=T0 + hours, ends_at=T0 + 2 * hours
    )
    # A shift in another program than their own does not put its person on call for theirs.
    OnCallShift.objects.create(program=program, user=elsewhere, starts_at=T0 - hours, ends_at=T0)
    with_rota = agree()
    assert [(email, at) for email, at, on in with_rota if on] == [(clinician.email, moments[1])]
