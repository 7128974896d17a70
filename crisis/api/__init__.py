"""The crisis API: instruments, check-ins, safety plans, crisis events, policies, on-call and
local resources. Scoped by the selectors, audited like the pages; writes go through services.
"""

from crisis.api.check_ins import CheckInViewSet, InstrumentViewSet, SafetyPlanViewSet
from crisis.api.directory import EscalationPolicyViewSet, LocalResourceViewSet, OnCallShiftViewSet
from crisis.api.events import CrisisEventViewSet

__all__ = [
    "CheckInViewSet",
    "CrisisEventViewSet",
    "EscalationPolicyViewSet",
    "InstrumentViewSet",
    "LocalResourceViewSet",
    "OnCallShiftViewSet",
    "SafetyPlanViewSet",
]
