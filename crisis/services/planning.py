"""Starting an escalation: the plan copied onto a new event, and handing its first step to a worker.

The plan is the program's default policy, else the clinic-wide one, else the built-in plan
(a crisis must never go without escalation). Steps then fire from `ticking.py`.
"""

from __future__ import annotations

import logging
from functools import partial

from django.db import transaction
from django.utils import timezone

from crisis.escalation_plan import BUILT_IN_PLAN, EscalationPlan
from crisis.models import EscalationPolicy
from iop.accounts.models import ClientProfile

log = logging.getLogger(__name__)


def escalation_plan_for(client: ClientProfile) -> tuple[EscalationPolicy | None, EscalationPlan]:
    """The program's default policy, else the clinic-wide one, else the built-in plan."""
    policy = (
        EscalationPolicy.objects.filter(program_id=client.program_id, is_default=True).first()
        or EscalationPolicy.objects.filter(program__isnull=True, is_default=True).first()
    )
    steps = list(policy.steps.order_by("position")) if policy is not None else []
    if policy is None or not steps:
        return None, BUILT_IN_PLAN.copied(at=timezone.now())
    return policy, EscalationPlan.of(policy, steps, at=timezone.now())


def kick_after_commit(event_id: int, repeat_index: int, step_index: int) -> None:
    """After commit, ask a worker to fire the step now instead of at the next tick (best effort)."""
    transaction.on_commit(partial(_kick, event_id, repeat_index, step_index))


def _kick(event_id: int, repeat_index: int, step_index: int) -> None:
    from crisis.tasks import escalation_fire_task

    try:
        escalation_fire_task.apply_async(
            args=(event_id,),
            kwargs={"repeat_index": repeat_index, "step_index": step_index},
            queue="crisis",
            retry=False,
        )
    except Exception:  # noqa: BLE001 - the broker may be down; the tick fires it from the row
        log.warning("could not hand crisis #%s to a worker; the escalation tick will", event_id)
