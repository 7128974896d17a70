"""The escalation plan: a policy's steps as copied onto a crisis event when it opens.

Editing a policy never changes an escalation already running, so each event carries its own
copy (`CrisisEvent.escalation_plan`, a JSONField; like Grafana OnCall's escalation snapshot).
`to_json()` and `from_json()` are the one place that knows the stored shape:

    {"policy_id": 3, "policy_name": "...", "repeat_count": 1, "copied_at": "<ISO 8601>",
     "steps": [{"target": "primary", "user_id": null, "channels": ["feed", "sms"],
                "wait_minutes": 5}, ...]}
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crisis.models.escalation import EscalationPolicy, EscalationStep, StepChannel, StepTarget


@dataclass(frozen=True)
class PlannedStep:
    """Who one step alerts (a StepTarget; `user_id` only for a named person), how, and how
    long it waits for an acknowledgement before the next step."""

    target: str
    channels: tuple[str, ...]
    wait_minutes: int
    user_id: int | None = None

    @classmethod
    def of(cls, step: EscalationStep) -> PlannedStep:
        return cls(
            target=step.target,
            user_id=step.user_id,
            channels=tuple(step.channels),
            wait_minutes=step.wait_minutes,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "user_id": self.user_id,
            "channels": list(self.channels),
            "wait_minutes": self.wait_minutes,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PlannedStep:
        # Strict: a step without its target, channels or wait cannot fire (KeyError).
        return cls(
            target=data["target"],
            user_id=data.get("user_id"),
            channels=tuple(data["channels"]),
            wait_minutes=data["wait_minutes"],
        )


@dataclass(frozen=True)
class EscalationPlan:
    """The steps run `repeat_count` times in full; then every supervisor is paged."""

    policy_id: int | None
    policy_name: str
    repeat_count: int
    steps: tuple[PlannedStep, ...]
    copied_at: datetime | None = None

    @classmethod
    def of(
        cls, policy: EscalationPolicy, steps: list[EscalationStep], *, at: datetime
    ) -> EscalationPlan:
        return cls(
            policy_id=policy.pk,
            policy_name=policy.name,
            repeat_count=policy.repeat_count,
            steps=tuple(PlannedStep.of(step) for step in steps),
            copied_at=at,
        )

    def copied(self, *, at: datetime) -> EscalationPlan:
        return dataclasses.replace(self, copied_at=at)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "policy_id": self.policy_id,
            "policy_name": self.policy_name,
            "repeat_count": self.repeat_count,
            "steps": [step.to_json() for step in self.steps],
        }
        if self.copied_at is not None:
            data["copied_at"] = self.copied_at.isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EscalationPlan:
        """Read a stored plan; an event saved without one (`{}`) has no steps."""
        copied_at = data.get("copied_at")
        return cls(
            policy_id=data.get("policy_id"),
            policy_name=data.get("policy_name", ""),
            repeat_count=data.get("repeat_count", 1),
            steps=tuple(PlannedStep.from_json(step) for step in data.get("steps", [])),
            copied_at=datetime.fromisoformat(copied_at) if copied_at else None,
        )


# Used when no policy is configured: a crisis must never go without escalation. (Plain
# values, as a plan read back from JSON has.)
BUILT_IN_PLAN = EscalationPlan(
    policy_id=None,
    policy_name="Built-in fallback",
    repeat_count=1,
    steps=(
        PlannedStep(
            target=StepTarget.PRIMARY.value,
            channels=(StepChannel.FEED.value, StepChannel.SMS.value),
            wait_minutes=5,
        ),
        PlannedStep(
            target=StepTarget.ON_CALL.value,
            channels=(StepChannel.FEED.value, StepChannel.SMS.value, StepChannel.VOICE.value),
            wait_minutes=5,
        ),
        PlannedStep(
            target=StepTarget.SUPERVISOR.value,
            channels=(StepChannel.FEED.value, StepChannel.SMS.value, StepChannel.VOICE.value),
            wait_minutes=5,
        ),
    ),
)
