"""Treatment weeks: Monday to Sunday in the program's time zone.

A week is named by the date of its Monday. Its bounds are local midnights turned into UTC, so a
week across a daylight-saving change is 167 or 169 hours long, as the clinic's calendar is.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEK = timedelta(days=7)
WEEKS_SHOWN = 5  # this week and the 4 before it


def week_of(day: date) -> date:
    """The Monday of the week `day` falls in."""
    return day - timedelta(days=day.weekday())


def local_today(time_zone: str, now: datetime) -> date:
    return now.astimezone(ZoneInfo(time_zone)).date()


def this_week(time_zone: str, now: datetime) -> date:
    """The Monday of the week that `now` falls in, in the zone."""
    return week_of(local_today(time_zone, now))


def weeks_ending(last: date, count: int = WEEKS_SHOWN) -> list[date]:
    """`count` Mondays, oldest first, the last being `last`'s week."""
    monday = week_of(last)
    return [monday - WEEK * back for back in range(count - 1, -1, -1)]


def local_midnight(day: date, time_zone: str) -> datetime:
    """The moment `day` begins in the zone, in UTC."""
    return datetime.combine(day, time(), tzinfo=ZoneInfo(time_zone)).astimezone(UTC)


def week_bounds(monday: date, time_zone: str) -> tuple[datetime, datetime]:
    """The UTC moments the week begins and ends (end excluded)."""
    return local_midnight(monday, time_zone), local_midnight(monday + WEEK, time_zone)


EARLIEST = date(2000, 1, 3)  # a Monday; weeks before Harbor existed are refused, not computed
LATEST = date(2100, 12, 27)


def parse_week(raw: str) -> date:
    """A date given as YYYY-MM-DD, as the Monday of its week; ValueError saying why not."""
    try:
        day = date.fromisoformat(raw) if raw.isascii() and len(raw) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise ValueError("week must be a date written YYYY-MM-DD (any day of the week).")
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"week must be between {EARLIEST} and {LATEST}.")
    return week_of(day)
