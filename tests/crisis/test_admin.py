"""Admin: policies need steps and non-negative waits; rota shifts typed in their own zone,
overlaps refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crisis.models import EscalationPolicy, OnCallShift
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

POLICY_ADD = "/admin/crisis/escalationpolicy/add/"
SHIFT_ADD = "/admin/crisis/oncallshift/add/"


def policy_form(program, *steps, **extra):
    data = {
        "name": "Evening",
        "program": program.pk,
        "is_default": "on",
        "repeat_count": "2",
        "description": "",
        "steps-TOTAL_FORMS": str(len(steps)),
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "1",
        "steps-MAX_NUM_FORMS": "1000",
        **extra,
    }
    for n, step in enumerate(steps):
        for key, value in step.items():
            data[f"steps-{n}-{key}"] = value
    return data


STEP = {"position": "1", "target": "primary", "channels": ["feed", "sms"], "wait_minutes": "5"}


def test_a_policy_with_steps_is_saved(admin_user, program):
    response = sign_in(admin_user).post(POLICY_ADD, policy_form(program, STEP))
    assert response.status_code == 302, response.content.decode()[:3000]
    policy = EscalationPolicy.objects.get()
    assert [(s.target, s.channels, s.wait_minutes) for s in policy.steps.all()] == [
        ("primary", ["feed", "sms"], 5)
    ]


def test_a_policy_without_steps_is_refused(admin_user, program):
    response = sign_in(admin_user).post(POLICY_ADD, policy_form(program))
    assert response.status_code == 200
    assert "A policy needs at least one step." in response.content.decode()
    assert not EscalationPolicy.objects.exists()


def test_a_negative_wait_is_refused(admin_user, program):
    response = sign_in(admin_user).post(
        POLICY_ADD, policy_form(program, dict(STEP, wait_minutes="-3"))
    )
    assert (
        response.status_code == 200 and "The wait cannot be negative." in response.content.decode()
    )
    assert not EscalationPolicy.objects.exists()


def test_shift_times_are_typed_in_the_shift_zone_and_overlaps_refused(
    admin_user, program, clinician, other_clinician
):
    browser = sign_in(admin_user)
    base = {"program": program.pk, "time_zone": "America/Los_Angeles", "note": ""}
    ok = browser.post(
        SHIFT_ADD,
        {
            **base,
            "user": clinician.pk,
            "starts_at": "2026-03-06 18:00",
            "ends_at": "2026-03-07 08:00",
        },
    )
    assert ok.status_code == 302, ok.content.decode()[:2000]
    shift = OnCallShift.objects.get()
    assert shift.starts_at == datetime(2026, 3, 7, 2, 0, tzinfo=UTC)  # 18:00 PST
    clash = browser.post(
        SHIFT_ADD,
        {
            **base,
            "user": other_clinician.pk,
            "starts_at": "2026-03-07 07:00",
            "ends_at": "2026-03-07 12:00",
        },
    )
    assert (
        clash.status_code == 200 and "Overlaps another shift on this rota" in clash.content.decode()
    )
    assert OnCallShift.objects.count() == 1


def test_a_policy_is_edited_through_the_service_steps_in_position_order(admin_user, program):
    browser = sign_in(admin_user)
    assert browser.post(POLICY_ADD, policy_form(program, STEP)).status_code == 302
    policy = EscalationPolicy.objects.get()
    old_step = policy.steps.get()
    data = policy_form(
        program,
        dict(STEP, id=str(old_step.pk), policy=str(policy.pk), position="2"),
        {"position": "1", "target": "supervisor", "channels": ["voice"], "wait_minutes": "3"},
        name="Evening, edited",
        **{"steps-INITIAL_FORMS": "1"},
    )
    response = browser.post(f"/admin/crisis/escalationpolicy/{policy.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    policy.refresh_from_db()
    assert policy.name == "Evening, edited" and policy.repeat_count == 2
    assert [(s.target, s.wait_minutes) for s in policy.steps.order_by("position")] == [
        ("supervisor", 3),
        ("primary", 5),
    ]


def test_a_step_naming_a_client_is_refused_by_the_service(admin_user, program, client_profile):
    response = sign_in(admin_user).post(
        POLICY_ADD,
        policy_form(program, dict(STEP, target="user", user=str(client_profile.user.pk))),
    )
    assert response.status_code == 200
    assert "Choose an active staff member." in response.content.decode()
    assert not EscalationPolicy.objects.exists()


def test_a_second_default_for_a_program_is_refused(admin_user, program):
    browser = sign_in(admin_user)
    assert browser.post(POLICY_ADD, policy_form(program, STEP)).status_code == 302
    response = browser.post(POLICY_ADD, policy_form(program, STEP, name="Second"))
    assert response.status_code == 200
    assert "escalation_one_default_per_program" in response.content.decode()
    assert list(EscalationPolicy.objects.values_list("name", "is_default")) == [("Evening", True)]
