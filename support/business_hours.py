"""Business-time arithmetic for SLA clocks: how much open time lies between two instants, and
which instant lies a given amount of open time after another.

A `Schedule` is a support calendar in memory: its time zone, its weekly windows (more than one
a day allowed, e.g. 08:00-12:00 and 13:00-21:00) and the days it is closed (public holidays from
the `holidays` package plus the clinic's own closures). Windows are read on the local wall clock
of each day and measured in real elapsed time, so a window that spans a daylight-saving change
counts the hours that really passed (a 00:00-06:00 window is five hours on the night clocks go
forward and seven on the night they go back). A wall time that does not exist (02:30 on the
spring-forward night) is read as the instant the clock shows it would have been, as zoneinfo
does; a window whose end is not after its start that day is empty.

Everything is timezone-aware UTC in and out; nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

# How far ahead a deadline is looked for: a calendar closed for longer has no deadline (None).
SEARCH_DAYS = 3 * 366
ZERO = timedelta(0)


@lru_cache(maxsize=256)
def holiday_dates(country: str, subdivision: str, year: int) -> frozenset[date]:
    """The public holidays of a country (and subdivision) in one year."""
    if not country:
        return frozenset()
    found = holidays.country_holidays(country, subdiv=subdivision or None, years=year)
    return frozenset(found.keys())


def holiday_name(country: str, subdivision: str, day: date) -> str | None:
    if not country:
        return None
    found = holidays.country_holidays(country, subdiv=subdivision or None, years=day.year)
    return found.get(day)


@dataclass(frozen=True)
class Window:
    """Open from `opens` to `closes` (local wall clock); `closes` None is midnight, day's end."""

    opens: time
    closes: time | None

    def on(self, day: date, zone: ZoneInfo) -> tuple[datetime, datetime] | None:
        start = datetime.combine(day, self.opens, tzinfo=zone).astimezone(UTC)
        if self.closes is None:
            end_local = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        else:
            end_local = datetime.combine(day, self.closes, tzinfo=zone)
        end = end_local.astimezone(UTC)
        return (start, end) if end > start else None


@dataclass(frozen=True)
class Schedule:
    """A support calendar: zone, windows per weekday (Monday is 0), and closed days."""

    zone: ZoneInfo
    week: tuple[tuple[Window, ...], ...]  # seven entries, each day's windows in order
    country: str = ""
    subdivision: str = ""
    closures: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if len(self.week) != 7:
            raise ValueError("A schedule needs the windows of all seven weekdays.")

    @property
    def has_hours(self) -> bool:
        return any(self.week)

    def is_closed(self, day: date) -> bool:
        return day in self.closures or day in holiday_dates(
            self.country, self.subdivision, day.year
        )

    def intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The open intervals (UTC) of one local day; none on a closed day."""
        if self.is_closed(day):
            return []
        found = [w.on(day, self.zone) for w in self.week[day.weekday()]]
        return [interval for interval in found if interval is not None]

    def _days_from(self, instant: datetime) -> Iterator[date]:
        # The local day before too: a day's last window can end after the next local midnight
        # in UTC terms only through `closes=None`, which is handled by its own day; starting a
        # day early costs one empty check and keeps an instant on a DST edge safe.
        day = instant.astimezone(self.zone).date() - timedelta(days=1)
        for _ in range(SEARCH_DAYS + 2):
            yield day
            day += timedelta(days=1)

    def open_time_between(self, start: datetime, end: datetime) -> timedelta:
        """How much open time lies in [start, end) (zero if end is not after start)."""
        if end <= start:
            return ZERO
        total = ZERO
        last_day = end.astimezone(self.zone).date()
        for day in self._days_from(start):
            if day > last_day:
                break
            for opens, closes in self.intervals(day):
                low, high = max(opens, start), min(closes, end)
                if high > low:
                    total += high - low
        return total

    def add_open_time(self, start: datetime, amount: timedelta) -> datetime | None:
        """The instant at which `amount` of open time has passed since `start`.

        Zero or less is `start` itself. None when the calendar has no open time within
        SEARCH_DAYS (no windows, or closed for years): such a clock never runs out.
        """
        if amount <= ZERO:
            return start
        left = amount
        for day in self._days_from(start):
            for opens, closes in self.intervals(day):
                low = max(opens, start)
                if closes <= low:
                    continue
                span = closes - low
                if left <= span:
                    return low + left
                left -= span
        return None

    def is_open_at(self, instant: datetime) -> bool:
        day = instant.astimezone(self.zone).date()
        return any(
            opens <= instant < closes
            for d in (day - timedelta(days=1), day)
            for opens, closes in self.intervals(d)
        )


ALWAYS_OPEN = Schedule(ZoneInfo("UTC"), tuple((Window(time(0), None),) for _ in range(7)))
