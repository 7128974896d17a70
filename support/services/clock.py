"""Moving a ticket's SLA clock, shared by the ticket services and the tick (not services
themselves: they run inside a service's transaction, on a ticket it has locked).

Every change goes the same way: `clock_stop` adds the business time spent so far under the old
state (and calendar), the caller changes the ticket (status, marks, targets), `clock_start`
starts the clock again if the new status runs it and recomputes every deadline from the time
left. A reply from any channel, a status change, a new priority or policy: all the same path.
"""

from __future__ import annotations

from datetime import datetime

from support.business_hours import Schedule
from support.models import RUNNING, Ticket
from support.models.sla import SlaPolicy
from support.selectors import policy_for, schedule_of
from support.sla_clock import Clock, Deadlines, deadlines, minutes

CLOCK_FIELDS = [
    "sla_policy",
    "sla_calendar",
    "sla_first_response_minutes",
    "sla_next_reply_minutes",
    "sla_resolution_minutes",
    "sla_spent",
    "sla_running_since",
    "sla_next_reply_mark",
    "sla_next_reply_cycle",
    "sla_fired",
    "sla_state",
    "first_response_due_at",
    "next_reply_due_at",
    "resolution_due_at",
    "next_deadline_at",
    "escalation_due_at",
]


def schedule_for(ticket: Ticket) -> Schedule | None:
    """The calendar the ticket's clock counts in; None: the ticket has no SLA."""
    calendar = ticket.sla_calendar
    return schedule_of(calendar) if calendar is not None else None


def clock_of(ticket: Ticket) -> Clock:
    return Clock(
        first_response=minutes(ticket.sla_first_response_minutes),
        next_reply=minutes(ticket.sla_next_reply_minutes),
        resolution=minutes(ticket.sla_resolution_minutes),
        spent=ticket.sla_spent,
        running_since=ticket.sla_running_since,
        responded=ticket.first_responded_at is not None,
        next_reply_mark=ticket.sla_next_reply_mark,
        next_reply_cycle=ticket.sla_next_reply_cycle,
        solved=ticket.is_done,
        fired=frozenset(ticket.sla_fired),
    )


def clock_stop(ticket: Ticket, now: datetime) -> None:
    """Add the business time since the clock last started to `sla_spent`; the clock stands."""
    schedule = schedule_for(ticket)
    if schedule is not None:
        ticket.sla_spent = clock_of(ticket).spent_at(schedule, now)
    ticket.sla_running_since = None


def clock_start(ticket: Ticket, now: datetime) -> Deadlines | None:
    """Run the clock from `now` if the ticket's status runs it, and set every deadline."""
    ticket.sla_running_since = now if ticket.status in RUNNING else None
    return clock_refresh(ticket)


def clock_refresh(ticket: Ticket) -> Deadlines | None:
    """Recompute the deadlines, the next warning or breach and the state from the clock."""
    schedule = schedule_for(ticket)
    if schedule is None:
        ticket.first_response_due_at = ticket.next_reply_due_at = None
        ticket.resolution_due_at = ticket.next_deadline_at = ticket.escalation_due_at = None
        ticket.sla_state = ""
        return None
    found = deadlines(clock_of(ticket), schedule)
    ticket.first_response_due_at = found.first_response
    ticket.next_reply_due_at = found.next_reply
    ticket.resolution_due_at = found.resolution
    ticket.next_deadline_at = found.nearest
    ticket.escalation_due_at = found.escalation
    ticket.sla_state = found.state
    return found


def clock_spent_now(ticket: Ticket, now: datetime) -> None:
    """Fold the running time into `sla_spent` and go on running from `now` (for reading the
    clock's value at `now` into a mark or a metric without changing the state)."""
    running = ticket.sla_running_since is not None
    clock_stop(ticket, now)
    if running:
        ticket.sla_running_since = now


def policy_apply(ticket: Ticket, policy: SlaPolicy | None) -> None:
    """Copy the policy's targets and calendar onto the ticket (between stop and start, so the
    time already spent stays spent)."""
    ticket.sla_policy = policy
    ticket.sla_calendar = policy.calendar if policy is not None else None
    ticket.sla_first_response_minutes = policy.first_response_minutes if policy else None
    ticket.sla_next_reply_minutes = policy.next_reply_minutes if policy else None
    ticket.sla_resolution_minutes = policy.resolution_minutes if policy else None


def policy_apply_for_priority(ticket: Ticket) -> None:
    policy_apply(ticket, policy_for(ticket.priority))
