"""The escalation plan's one serializer pair keeps the stored JSON shape."""

from __future__ import annotations

import pytest

from crisis.escalation_plan import BUILT_IN_PLAN, EscalationPlan, PlannedStep

STORED = {
    "policy_id": 7,
    "policy_name": "Night policy",
    "repeat_count": 2,
    "copied_at": "2026-03-08T18:00:00+00:00",
    "steps": [
        {"target": "primary", "user_id": None, "channels": ["feed", "sms"], "wait_minutes": 5},
        {"target": "user", "user_id": 42, "channels": ["voice"], "wait_minutes": 0},
    ],
}


def test_a_stored_plan_reads_and_writes_back_unchanged():
    plan = EscalationPlan.from_json(STORED)
    assert plan.steps[1] == PlannedStep(
        target="user", user_id=42, channels=("voice",), wait_minutes=0
    )
    assert plan.repeat_count == 2 and plan.policy_name == "Night policy"
    assert plan.to_json() == STORED


def test_an_event_without_a_plan_has_no_steps():
    plan = EscalationPlan.from_json({})
    assert plan.steps == () and plan.policy_name == "" and plan.repeat_count == 1


def test_a_step_missing_its_target_cannot_be_read():
    with pytest.raises(KeyError):
        EscalationPlan.from_json({"steps": [{}], "repeat_count": 1})


def test_the_built_in_plan_is_stored_as_plain_json():
    import json

    stored = json.loads(json.dumps(BUILT_IN_PLAN.to_json()))
    assert [s["target"] for s in stored["steps"]] == ["primary", "on_call", "supervisor"]
    assert EscalationPlan.from_json(stored) == BUILT_IN_PLAN
