"""How attendance follows from a client's join, leave, disconnect and rejoin events.

Pure functions over plain values, so every rule is tested without a database:

* time in the room is the union of join→leave intervals clipped to the session; an interval
  still open counts up to now (or the end);
* nobody joined: no-show once the grace period has passed (before that: not joined yet),
  technical issue if they reported one;
* joined: late if the first join came after the late allowance; left early if the last
  interval closed with a leave well before the end (after the end of the session, or live
  while they are out of the room); a last interval closed by a *disconnect* that was never
  followed by a rejoin, or a reported technical issue with time missed, is a technical issue.
  Precedence: technical issue, left early, late, present.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sessions_app.models.attendance import (
    CLOSING_EVENTS,
    OPENING_EVENTS,
    AttendanceStatus,
    EventKind,
)


@dataclass(frozen=True)
class Event:
    kind: str
    at: datetime


@dataclass(frozen=True)
class Timing:
    starts_at: datetime
    ends_at: datetime
    grace: timedelta  # after this, someone not joined has missed it
    late_after: timedelta
    left_early: timedelta


@dataclass(frozen=True)
class Result:
    status: str
    minutes: int
    first_joined_at: datetime | None
    last_left_at: datetime | None
    in_room: bool
    reported_tech_issue: bool


def _intervals(
    events: list[Event], until: datetime
) -> tuple[list[tuple[datetime, datetime]], str | None]:
    """Join→close intervals, and how the last one closed (None if still open)."""
    intervals: list[tuple[datetime, datetime]] = []
    opened: datetime | None = None
    closed_by: str | None = None
    for event in events:
        if event.kind in OPENING_EVENTS:
            if opened is None:
                opened = event.at
            closed_by = None
        elif event.kind in CLOSING_EVENTS and opened is not None:
            intervals.append((opened, event.at))
            opened = None
            closed_by = event.kind
    if opened is not None:
        intervals.append((opened, max(opened, until)))
        closed_by = None
    return intervals, closed_by


def _seconds_inside(
    intervals: list[tuple[datetime, datetime]], start: datetime, end: datetime
) -> float:
    total = 0.0
    cursor = start
    for begin, finish in sorted(intervals):
        begin, finish = max(begin, cursor), min(finish, end)
        if finish > begin:
            total += (finish - begin).total_seconds()
            cursor = finish
    return total


def derive(events: Iterable[Event], timing: Timing, now: datetime) -> Result:
    ordered = sorted(events, key=lambda e: e.at)
    tech_issue = any(e.kind == EventKind.TECH_ISSUE for e in ordered)
    until = min(now, timing.ends_at)
    intervals, closed_by = _intervals(ordered, until)
    joins = [e.at for e in ordered if e.kind in OPENING_EVENTS]
    closes = [e.at for e in ordered if e.kind in CLOSING_EVENTS]
    in_room = bool(intervals) and closed_by is None and now < timing.ends_at
    minutes = int(_seconds_inside(intervals, timing.starts_at, timing.ends_at) // 60)
    first = joins[0] if joins else None
    last_left = closes[-1] if closes and closed_by is not None else None

    if first is None:
        if tech_issue:
            status = AttendanceStatus.TECHNICAL_ISSUE
        elif now >= timing.starts_at + timing.grace:
            status = AttendanceStatus.NO_SHOW
        else:
            status = AttendanceStatus.EXPECTED
        return Result(status, 0, None, None, False, tech_issue)

    over = now >= timing.ends_at
    out_early = (
        last_left is not None
        and last_left < timing.ends_at - timing.left_early
        and (over or not in_room)
    )
    missed_time = (
        minutes < (timing.ends_at - timing.starts_at - timing.left_early).total_seconds() // 60
    )
    dropped = out_early and closed_by == EventKind.DISCONNECT
    if dropped or (tech_issue and (out_early or (over and missed_time))):
        status = AttendanceStatus.TECHNICAL_ISSUE
    elif out_early:
        status = AttendanceStatus.LEFT_EARLY
    elif first > timing.starts_at + timing.late_after:
        status = AttendanceStatus.LATE
    else:
        status = AttendanceStatus.PRESENT
    return Result(status, minutes, first, last_left, in_room, tech_issue)
