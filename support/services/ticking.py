"""The SLA tick and the auto-close tick: timers are rows (DESIGN invariant 3).

`Ticket.escalation_due_at` is when the ticket's next SLA warning or breach falls due; the tick
claims due tickets through the partial index `support_ticket_sla_due` with
`SELECT ... FOR UPDATE SKIP LOCKED`, fires what the clock has reached (under the row lock, and
`SlaEvent` is unique per target, kind and cycle, so racing ticks fire each once), and points
the timer at the next one. A breach at tier 1 escalates to tier 2; at tier 2 the support lead
hears. `close_due_at` closes a ticket seven days after it was solved.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from support.models import SlaEvent, Ticket, TicketStatus
from support.selectors import agents_of_tier, support_leads
from support.services.clock import (
    CLOCK_FIELDS,
    clock_of,
    clock_refresh,
    clock_start,
    clock_stop,
    schedule_for,
)
from support.services.notices import DeskBatch, tell_staff, ticket_label
from support.services.tickets import STATUS_FIELDS, escalate_to_tier_2, event_add, status_fields_set
from support.sla_clock import Mark, Target, Threshold

log = logging.getLogger(__name__)

TICK_BATCH = 50
TICK_BUDGET_SECONDS = 10.0
CLOSE_BATCH = 200
# A timer the clock says is due but that fired nothing (a calendar edited between two reads)
# waits this long rather than being claimed again in the same run.
RECHECK_AFTER = timedelta(seconds=30)


def sla_tick(
    *,
    now: datetime | None = None,
    batch: int = TICK_BATCH,
    budget_seconds: float = TICK_BUDGET_SECONDS,
) -> int:
    """Fire every due SLA warning and breach, batch by batch; returns how many fired."""
    fired = 0
    seen: set[int] = set()
    started = time.monotonic()
    while True:
        desk = DeskBatch()
        with transaction.atomic():
            at = now or timezone.now()
            due = list(
                Ticket.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("sla_calendar", "assignee")
                .filter(escalation_due_at__lte=at)
                .exclude(pk__in=seen)
                .order_by("escalation_due_at")[:batch]
            )
            for ticket in due:
                seen.add(ticket.pk)
                try:
                    with transaction.atomic():
                        fired += _fire(ticket, at, desk)
                except Exception:  # noqa: BLE001 - one broken ticket must not stall the others
                    log.exception("SLA tick of ticket #%s failed; retrying next tick", ticket.pk)
            desk.send_on_commit()
        if len(due) < batch or time.monotonic() - started > budget_seconds:
            break
    return fired


def _fire(ticket: Ticket, now: datetime, desk: DeskBatch) -> int:
    schedule = schedule_for(ticket)
    if schedule is None:
        clock_refresh(ticket)
        ticket.save(update_fields=CLOCK_FIELDS)
        return 0
    clock = clock_of(ticket)
    due = clock.due_now(schedule, now)
    breaching = {(t.target, t.cycle) for t in due if t.kind == Mark.BREACH}
    for threshold in due:
        quiet = threshold.kind == Mark.WARNING and (threshold.target, threshold.cycle) in breaching
        when = clock.when(schedule, threshold.at)
        _fire_one(ticket, threshold, now, quiet=quiet, when=when, zone=schedule.zone)
        ticket.sla_fired = [*ticket.sla_fired, threshold.key]
    clock_refresh(ticket)
    if not due and ticket.escalation_due_at is not None and ticket.escalation_due_at <= now:
        ticket.escalation_due_at = now + RECHECK_AFTER
    ticket.save(update_fields=[*CLOCK_FIELDS, "tier", "escalated_at", "assignee", "updated_at"])
    if due:
        desk.add(ticket, "support.sla", f"Ticket {ticket_label(ticket)}: SLA {ticket.sla_state}")
    return len(due)


def _fire_one(
    ticket: Ticket,
    threshold: Threshold,
    now: datetime,
    *,
    quiet: bool,
    when: datetime | None,
    zone: ZoneInfo,
) -> None:
    what = Target(threshold.target).label.lower()
    label = ticket_label(ticket)
    due_text = when.astimezone(zone).strftime("%a %d %b %H:%M %Z") if when is not None else "now"
    tier_before = ticket.tier
    escalated_to = None
    if threshold.kind == Mark.WARNING:
        people = (
            [] if quiet else ([ticket.assignee] if ticket.assignee else agents_of_tier(ticket.tier))
        )
        text = f"Ticket {label}: {what} is at 80% of its target (due {due_text})."
        notified = tell_staff(
            ticket, [p for p in people if p], key=f"sla:{threshold.key}", text=text
        )
        event_add(ticket, f"SLA warning: {what} is at 80% of its target (due {due_text}).")
    elif ticket.tier == 1:
        before, after = escalate_to_tier_2(ticket, now)
        escalated_to = after
        text = f"Ticket {label} missed its {what} target; escalated to tier 2" + (
            f" and given to {after.display_name}." if after else " (no specialist is active)."
        )
        people = [p for p in (before, after, *agents_of_tier(2)) if p is not None]
        notified = tell_staff(ticket, people, key=f"sla:{threshold.key}", text=text, email=True)
        event_add(ticket, f"SLA breach: {what} (due {due_text}). {text}")
    else:
        text = f"Ticket {label} missed its {what} target at tier 2: the support lead is told."
        people = [p for p in (ticket.assignee, *support_leads()) if p is not None]
        notified = tell_staff(ticket, people, key=f"sla:{threshold.key}", text=text, email=True)
        event_add(ticket, f"SLA breach at tier 2: {what} (due {due_text}); support lead told.")
    SlaEvent.objects.create(
        ticket=ticket,
        target=threshold.target,
        kind=threshold.kind,
        cycle=threshold.cycle,
        due_at=when,
        fired_at=now,
        tier_before=tier_before,
        tier_after=ticket.tier,
        notified_user_ids=notified,
        escalated_to=escalated_to,
    )


def ticket_close_tick(*, now: datetime | None = None, batch: int = CLOSE_BATCH) -> int:
    """Close every ticket solved seven days ago (claimed with SKIP LOCKED); returns how many."""
    closed = 0
    with transaction.atomic():
        at = now or timezone.now()
        due = list(
            Ticket.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("sla_calendar")
            .filter(close_due_at__lte=at)
            .order_by("close_due_at")[:batch]
        )
        for ticket in due:
            if ticket.status != TicketStatus.SOLVED:
                ticket.close_due_at = None
                ticket.save(update_fields=["close_due_at", "updated_at"])
                continue
            clock_stop(ticket, at)
            status_fields_set(ticket, TicketStatus.CLOSED, at)
            clock_start(ticket, at)
            ticket.save(update_fields=sorted({*STATUS_FIELDS, *CLOCK_FIELDS, "updated_at"}))
            event_add(ticket, "Closed: seven days after it was solved.")
            closed += 1
    return closed
