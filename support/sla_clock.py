"""A ticket's SLA clock, as arithmetic: which targets run, when each falls due, what is due now.

The clock is one number, the business time a ticket has spent in states where it runs (new,
open), kept as `spent` at the instant `running_since` (None while paused or stopped). Every
target is a threshold on that number:

  first response   from 0 to the policy's minutes, until an agent's first public reply
  next reply       from the clock's value when the requester's oldest unanswered message came
                   (`next_reply_mark`) for the policy's minutes, until an agent answers
  resolution       from 0 to the policy's minutes, until the ticket is solved; a reopened
                   ticket goes on from what it had spent

Each target warns at 80% and breaches at 100%; each warning and breach fires once per target
and cycle (next reply counts its cycles), which `fired` records as keys. Pausing keeps `spent`;
resuming sets `running_since` again, and every deadline follows from the time left. Changing
the targets (a new priority or policy) keeps `spent`, so time already spent still counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import models

from support.business_hours import ZERO, Schedule

WARN_AT = 0.8


class Target(models.TextChoices):
    FIRST_RESPONSE = "first_response", "First response"
    NEXT_REPLY = "next_reply", "Next reply"
    RESOLUTION = "resolution", "Resolution"


class Mark(models.TextChoices):
    WARNING = "warning", "Warning (80%)"
    BREACH = "breach", "Breach"


def minutes(value: int | None) -> timedelta | None:
    return timedelta(minutes=value) if value is not None else None


def fired_key(target: str, kind: str, cycle: int) -> str:
    return f"{target}:{kind}:{cycle}"


@dataclass(frozen=True)
class Threshold:
    """One warning or breach of one target: it fires when the clock reaches `at`."""

    target: str
    kind: str
    cycle: int
    at: timedelta

    @property
    def key(self) -> str:
        return fired_key(self.target, self.kind, self.cycle)


@dataclass(frozen=True)
class Clock:
    """What the clock needs to know of a ticket (a snapshot of its SLA columns)."""

    first_response: timedelta | None  # the targets; None: no such target
    next_reply: timedelta | None
    resolution: timedelta | None
    spent: timedelta
    running_since: datetime | None
    responded: bool  # an agent has replied publicly
    next_reply_mark: timedelta | None  # None: no requester message waits for an answer
    next_reply_cycle: int
    solved: bool
    fired: frozenset[str]

    @property
    def running(self) -> bool:
        return self.running_since is not None

    def spent_at(self, schedule: Schedule, now: datetime) -> timedelta:
        """The clock's value at `now`."""
        if self.running_since is None or now <= self.running_since:
            return self.spent
        return self.spent + schedule.open_time_between(self.running_since, now)

    def limits(self) -> list[tuple[str, int, timedelta, timedelta]]:
        """(target, cycle, where it starts, its length) for each target that runs now."""
        found = []
        if self.first_response is not None and not self.responded and not self.solved:
            found.append((Target.FIRST_RESPONSE.value, 0, ZERO, self.first_response))
        if (
            self.next_reply is not None
            and self.next_reply_mark is not None
            and self.responded
            and not self.solved
        ):
            found.append(
                (
                    Target.NEXT_REPLY.value,
                    self.next_reply_cycle,
                    self.next_reply_mark,
                    self.next_reply,
                )
            )
        if self.resolution is not None and not self.solved:
            found.append((Target.RESOLUTION.value, 0, ZERO, self.resolution))
        return found

    def thresholds(self) -> list[Threshold]:
        """Every warning and breach of the running targets, fired or not, in clock order."""
        found = []
        for target, cycle, start, length in self.limits():
            found.append(Threshold(target, Mark.WARNING.value, cycle, start + length * WARN_AT))
            found.append(Threshold(target, Mark.BREACH.value, cycle, start + length))
        return sorted(found, key=lambda t: (t.at, t.kind != Mark.WARNING.value, t.target))

    def pending(self) -> list[Threshold]:
        return [t for t in self.thresholds() if t.key not in self.fired]

    def due_now(self, schedule: Schedule, now: datetime) -> list[Threshold]:
        """The thresholds not yet fired that the clock has reached at `now`."""
        spent = self.spent_at(schedule, now)
        return [t for t in self.pending() if t.at <= spent]

    def when(self, schedule: Schedule, at: timedelta) -> datetime | None:
        """When the clock reaches `at` (None while it is stopped, or never in this calendar).

        A value already reached is due at `running_since`, i.e. now or before.
        """
        if self.running_since is None:
            return None
        return schedule.add_open_time(self.running_since, at - self.spent)


@dataclass(frozen=True)
class Deadlines:
    first_response: datetime | None
    next_reply: datetime | None
    resolution: datetime | None
    escalation: datetime | None  # the next warning or breach to fire
    nearest: datetime | None  # the nearest of the three deadlines, for the queue's order
    state: str  # "", "on_track", "warned", "breached", "paused"


def deadlines(clock: Clock, schedule: Schedule) -> Deadlines:
    limits = clock.limits()
    due: dict[str, datetime | None] = {}
    for target, _cycle, start, length in limits:
        due[target] = clock.when(schedule, start + length)
    upcoming = [when for t in clock.pending() if (when := clock.when(schedule, t.at)) is not None]
    shown = [when for when in due.values() if when is not None]
    if not limits:
        state = ""
    elif any(fired_key(t, Mark.BREACH.value, c) in clock.fired for t, c, *_ in limits):
        state = "breached"
    elif not clock.running:
        state = "paused"
    elif any(fired_key(t, Mark.WARNING.value, c) in clock.fired for t, c, *_ in limits):
        state = "warned"
    else:
        state = "on_track"
    return Deadlines(
        first_response=due.get(Target.FIRST_RESPONSE.value),
        next_reply=due.get(Target.NEXT_REPLY.value),
        resolution=due.get(Target.RESOLUTION.value),
        escalation=min(upcoming) if upcoming else None,
        nearest=min(shown) if shown else None,
        state=state,
    )
