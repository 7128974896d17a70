"""Crisis models, one family per file."""

from crisis.models.checkins import CheckIn, CheckInChannel, CheckInSchedule, RiskLevel
from crisis.models.escalation import (
    EscalationPolicy,
    EscalationStep,
    OnCallShift,
    StepChannel,
    StepTarget,
)
from crisis.models.events import (
    ContactOverride,
    CrisisEvent,
    CrisisSource,
    Disposition,
    EscalationFiring,
    EventState,
    TimelineEntry,
    TimelineKind,
)
from crisis.models.followups import FollowUp
from crisis.models.resources import LocalResource, ResourceKind
from crisis.models.safety_plans import SafetyPlan

__all__ = [
    "CheckIn",
    "CheckInChannel",
    "CheckInSchedule",
    "ContactOverride",
    "CrisisEvent",
    "Disposition",
    "EscalationFiring",
    "EscalationPolicy",
    "EscalationStep",
    "CrisisSource",
    "EventState",
    "FollowUp",
    "LocalResource",
    "OnCallShift",
    "ResourceKind",
    "RiskLevel",
    "SafetyPlan",
    "StepChannel",
    "StepTarget",
    "TimelineEntry",
    "TimelineKind",
]
