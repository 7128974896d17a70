"""The SLA tick and the auto-close tick: timers are rows (DESIGN invariant 3).

`Ticket.escalation_due_at` is when the ticket's next SLA warning or breach falls due; the tick
claims due tickets through the partial index `support_ticket_sla_due` with
`SELECT ... FOR UPDATE SKIP LOCKED`, fires what the clock has reached (under the row lock, and
`SlaEvent` is unique per target, kind and cycle, so racing ticks fire each once), and points
the timer at the next one. A breach at tier 1 escalates to tier 2 (the least busy specialist);
at tier 2 the support lead hears. `close_due_at` closes a ticket seven days after it was solved.

One tick reads the desk's people once, writes each ticket's entries and SLA events in one
insert each, and the batch's outbox messages in one insert, after each ticket's savepoint held.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from iop.accounts.models import Role, User
from iop.notify.services.outbox import message_enqueue_many
from support.models import (
    ACTIVE,
    EntryChannel,
    EntryKind,
    SlaEvent,
    Ticket,
    TicketEntry,
    TicketStatus,
)
from support.selectors import TIER_ROLES, assignable_agents
from support.services.clock import (
    CLOCK_FIELDS,
    clock_of,
    clock_refresh,
    clock_start,
    clock_stop,
    schedule_for,
)
from support.services.notices import DeskBatch, staff_specs, ticket_label
from support.services.tickets import (
    STATUS_FIELDS,
    escalate_to_tier_2,
    event_add,
    status_fields_set,
)
from support.sla_clock import Mark, Target, Threshold

log = logging.getLogger(__name__)

TICK_BATCH = 50
TICK_BUDGET_SECONDS = 10.0
CLOSE_BATCH = 200
# A timer the clock says is due but that fired nothing (a calendar edited between two reads)
# waits this long rather than being claimed again in the same run.
RECHECK_AFTER = timedelta(seconds=30)
TICKET_FIELDS = [*CLOCK_FIELDS, "tier", "escalated_at", "assignee", "updated_at"]


@dataclass
class Roster:
    """The desk's people for one tick, read in one query; the specialists' load (active
    tickets held) counted once and kept up to date as the tick assigns."""

    people: list[User] | None = None
    load: dict[int, int] | None = None

    def desk(self) -> list[User]:
        if self.people is None:
            self.people = assignable_agents()
        return self.people

    def of_tier(self, tier: int) -> list[User]:
        role = TIER_ROLES[tier]
        return [p for p in self.desk() if p.role == role]

    def support_leads(self) -> list[User]:
        return [p for p in self.desk() if p.role == Role.ADMIN]

    def least_busy_specialist(self) -> User | None:
        specialists = self.of_tier(2)
        if not specialists:
            return None
        if self.load is None:
            counts = dict(
                Ticket.objects.filter(status__in=ACTIVE, assignee__in=[p.pk for p in specialists])
                .values_list("assignee")
                .annotate(n=Count("pk"))
                .values_list("assignee", "n")
            )
            self.load = {p.pk: counts.get(p.pk, 0) for p in specialists}
        load = self.load
        chosen = min(specialists, key=lambda p: (load.get(p.pk, 0), p.pk))
        load[chosen.pk] = load.get(chosen.pk, 0) + 1
        return chosen


@dataclass
class Firing:
    """What one ticket's firing writes besides the ticket: inserted once it all holds."""

    entries: list[TicketEntry] = field(default_factory=list)
    events: list[SlaEvent] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)


def sla_tick(
    *,
    now: datetime | None = None,
    batch: int = TICK_BATCH,
    budget_seconds: float = TICK_BUDGET_SECONDS,
) -> int:
    """Fire every due SLA warning and breach, batch by batch; returns how many fired."""
    fired = 0
    seen: set[int] = set()
    roster = Roster()
    started = time.monotonic()
    while True:
        desk = DeskBatch(desk=roster.desk)
        messages: list[dict[str, Any]] = []
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
                        firing = Firing()
                        fired_now = _fire(ticket, at, roster, firing)
                        TicketEntry.objects.bulk_create(firing.entries)
                        SlaEvent.objects.bulk_create(firing.events)
                except Exception:  # noqa: BLE001 - one broken ticket must not stall the others
                    roster.load = None  # an assignment rolled back: count again
                    log.exception("SLA tick of ticket #%s failed; retrying next tick", ticket.pk)
                    continue
                fired += fired_now
                messages.extend(firing.messages)
                if fired_now:
                    desk.add(
                        ticket,
                        "support.sla",
                        f"Ticket {ticket_label(ticket)}: SLA {ticket.sla_state}",
                    )
            if messages:
                message_enqueue_many(messages)
            desk.send_on_commit()
        if len(due) < batch or time.monotonic() - started > budget_seconds:
            break
    return fired


def _fire(ticket: Ticket, now: datetime, roster: Roster, firing: Firing) -> int:
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
        _fire_one(
            ticket, threshold, now, roster, firing, quiet=quiet, when=when, zone=schedule.zone
        )
        ticket.sla_fired = [*ticket.sla_fired, threshold.key]
    clock_refresh(ticket)
    if not due and ticket.escalation_due_at is not None and ticket.escalation_due_at <= now:
        ticket.escalation_due_at = now + RECHECK_AFTER
    ticket.save(update_fields=TICKET_FIELDS)
    return len(due)


def _event(ticket: Ticket, text: str, now: datetime, **data: Any) -> TicketEntry:
    return TicketEntry(
        ticket=ticket,
        kind=EntryKind.EVENT,
        channel=EntryChannel.SYSTEM,
        author_label="Harbor",
        body=text,
        created_at=now,
        data=data,
    )


def _fire_one(
    ticket: Ticket,
    threshold: Threshold,
    now: datetime,
    roster: Roster,
    firing: Firing,
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
    key = f"sla:{threshold.key}"
    email = False
    if threshold.kind == Mark.WARNING:
        people = (
            [] if quiet else ([ticket.assignee] if ticket.assignee else roster.of_tier(ticket.tier))
        )
        text = f"Ticket {label}: {what} is at 80% of its target (due {due_text})."
        shown = f"SLA warning: {what} is at 80% of its target (due {due_text})."
    elif ticket.tier == 1:
        before, after = escalate_to_tier_2(ticket, now, pick=roster.least_busy_specialist)
        escalated_to = after
        text = f"Ticket {label} missed its {what} target; escalated to tier 2" + (
            f" and given to {after.display_name}." if after else " (no specialist is active)."
        )
        people = [p for p in (before, after, *roster.of_tier(2)) if p is not None]
        shown, email = f"SLA breach: {what} (due {due_text}). {text}", True
    else:
        text = f"Ticket {label} missed its {what} target at tier 2: the support lead is told."
        people = [p for p in (ticket.assignee, *roster.support_leads()) if p is not None]
        shown, email = f"SLA breach at tier 2: {what} (due {due_text}); support lead told.", True
    specs, notified = staff_specs(ticket, [p for p in people if p], key=key, text=text, email=email)
    firing.messages.extend(specs)
    firing.entries.append(_event(ticket, shown, now, sla=threshold.key))
    firing.events.append(
        SlaEvent(
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
