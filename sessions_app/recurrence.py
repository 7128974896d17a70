"""RFC 5545 recurrence rules in a program's time zone, checked before dateutil ever runs them.

A rule is evaluated on *local wall time*: every occurrence is the series' start time on the
day the rule picks, then placed in the zone. So a 6 pm group stays at 6 pm through daylight
saving changes while its UTC instant moves by an hour. (A local time that does not exist on a
spring-forward day is read with the offset before the change, as zoneinfo does: 2:30 am
becomes 3:30 am.)

dateutil searches until the year 9999 for a rule that can never match (FEBRUARY 30th, the
6th Monday of a month, an interval of 0): seconds of CPU per request. `parse_rule` refuses
those shapes first, so every rule that passes has an occurrence within a few decades or ends.
"""

from __future__ import annotations

import calendar
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from dateutil.rrule import rrule, rruleset, rrulestr
from django.core.exceptions import ValidationError

ALLOWED_PARTS = {
    "FREQ",
    "INTERVAL",
    "COUNT",
    "UNTIL",
    "BYDAY",
    "BYMONTHDAY",
    "BYMONTH",
    "BYSETPOS",
    "WKST",
}
FREQUENCIES = {"DAILY", "WEEKLY", "MONTHLY"}
WEEKDAYS = {"MO", "TU", "WE", "TH", "FR", "SA", "SU"}
# Longest month lengths, with a leap year's February.
MONTH_DAYS = {m: calendar.monthrange(2024, m)[1] for m in range(1, 13)}


def _refuse(message: str) -> ValidationError:
    return ValidationError({"rule": [message]})


@dataclass(frozen=True)
class Rule:
    text: str  # normalised: upper case, UNTIL in local floating time
    parts: dict[str, str]


def _int_list(name: str, value: str) -> list[int]:
    try:
        return [int(item) for item in value.split(",")]
    except ValueError:
        raise _refuse(f"{name} must be a comma-separated list of whole numbers.") from None


def _local_until(value: str, zone: zoneinfo.ZoneInfo) -> str:
    """UNTIL as a floating local date-time: a date means the whole day; Z is converted."""
    try:
        if len(value) == 8:
            day = datetime.strptime(value, "%Y%m%d")
            return day.replace(hour=23, minute=59, second=59).strftime("%Y%m%dT%H%M%S")
        if value.endswith("Z"):
            moment = datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            return moment.astimezone(zone).strftime("%Y%m%dT%H%M%S")
        datetime.strptime(value, "%Y%m%dT%H%M%S")
        return value
    except ValueError:
        raise _refuse(
            "UNTIL must be a date (20260131) or a date-time (20260131T235959Z)."
        ) from None


def _check_days(parts: dict[str, str]) -> None:
    freq = parts["FREQ"]
    weekday_count = 0
    if "BYDAY" in parts:
        for item in parts["BYDAY"].split(","):
            day, ordinal = item[-2:], item[:-2]
            if day not in WEEKDAYS:
                raise _refuse(f"BYDAY has an unknown day {item!r}; use MO, TU, WE, TH, FR, SA, SU.")
            if ordinal:
                if freq != "MONTHLY":
                    raise _refuse("A numbered BYDAY (like 2MO) only makes sense with FREQ=MONTHLY.")
                try:
                    number = int(ordinal)
                except ValueError:
                    raise _refuse(f"BYDAY has an unreadable position {item!r}.") from None
                if number == 0 or abs(number) > 5:
                    raise _refuse(f"{item}: a month has at most five of each weekday.")
            weekday_count += 1
    months = _int_list("BYMONTH", parts["BYMONTH"]) if "BYMONTH" in parts else list(range(1, 13))
    if any(m < 1 or m > 12 for m in months):
        raise _refuse("BYMONTH values are months, 1 to 12.")
    if "BYMONTHDAY" in parts:
        monthdays = _int_list("BYMONTHDAY", parts["BYMONTHDAY"])
        if any(d == 0 or abs(d) > 31 for d in monthdays):
            raise _refuse("BYMONTHDAY values are days of the month, 1 to 31 (or -1 to -31).")
        if not any(abs(d) <= MONTH_DAYS[m] for m in months for d in monthdays):
            raise _refuse("No month in this rule has that day (for example 30 February).")
    if "BYSETPOS" in parts:
        positions = _int_list("BYSETPOS", parts["BYSETPOS"])
        if freq == "DAILY":
            raise _refuse("BYSETPOS is not used with FREQ=DAILY.")
        if "BYMONTHDAY" in parts:
            most = len(parts["BYMONTHDAY"].split(","))
        elif freq == "WEEKLY":
            most = max(weekday_count, 1)
        else:
            most = 5 * weekday_count if weekday_count else 31
        if any(p == 0 or abs(p) > most for p in positions):
            raise _refuse(f"BYSETPOS must be between 1 and {most} (or -1 and -{most}) here.")


def parse_rule(text: str, zone: zoneinfo.ZoneInfo) -> Rule:
    """Check a rule's shape and normalise it; raises ValidationError naming `rule`."""
    cleaned = (text or "").strip().upper()
    if cleaned.startswith("RRULE:"):
        cleaned = cleaned[len("RRULE:") :]
    if not cleaned:
        raise _refuse("Enter a recurrence rule, for example FREQ=WEEKLY;BYDAY=MO,WE,FR.")
    if "\n" in cleaned or "DTSTART" in cleaned:
        raise _refuse("Give only the RRULE; the start comes from the first day and start time.")
    parts: dict[str, str] = {}
    for piece in cleaned.rstrip(";").split(";"):
        name, sep, value = piece.partition("=")
        if not sep or not value:
            raise _refuse(f"{piece!r} is not NAME=VALUE.")
        if name in parts:
            raise _refuse(f"{name} appears twice.")
        if name not in ALLOWED_PARTS:
            if name in {"BYHOUR", "BYMINUTE", "BYSECOND"}:
                raise _refuse("The time of day comes from the start time; remove " + name + ".")
            raise _refuse(
                f"{name} is not supported; use FREQ, INTERVAL, COUNT, UNTIL, BYDAY, "
                "BYMONTHDAY, BYMONTH, BYSETPOS."
            )
        parts[name] = value
    if parts.get("FREQ") not in FREQUENCIES:
        raise _refuse("FREQ must be DAILY, WEEKLY or MONTHLY.")
    if "INTERVAL" in parts and (not parts["INTERVAL"].isdigit() or int(parts["INTERVAL"]) < 1):
        raise _refuse("INTERVAL must be a whole number of at least 1.")
    if "COUNT" in parts and not parts["COUNT"].isdigit():
        raise _refuse("COUNT must be a whole number.")
    if "COUNT" in parts and "UNTIL" in parts:
        raise _refuse("Use COUNT or UNTIL, not both.")
    if "UNTIL" in parts:
        parts["UNTIL"] = _local_until(parts["UNTIL"], zone)
    _check_days(parts)
    return Rule(text=";".join(f"{k}={v}" for k, v in parts.items()), parts=parts)


def build(rule: Rule, starts_on: date, start_time: time) -> rrule | rruleset:
    try:
        return rrulestr(rule.text, dtstart=datetime.combine(starts_on, start_time))
    except (ValueError, TypeError) as exc:
        raise _refuse(f"The rule is not valid: {exc}.") from None


@dataclass(frozen=True)
class Occurrence:
    day: date  # the local day, which identifies the occurrence within its series
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC


def place(day: date, start_time: time, minutes: int, zone: zoneinfo.ZoneInfo) -> Occurrence:
    """The local wall time on `day` in `zone`, as UTC instants."""
    local_start = datetime.combine(day, start_time, tzinfo=zone)
    starts_at = local_start.astimezone(UTC)
    # The end is the start plus the duration in elapsed time (a session over a DST change
    # lasts as long as planned).
    return Occurrence(day=day, starts_at=starts_at, ends_at=starts_at + timedelta(minutes=minutes))


def occurrences(
    rule: Rule,
    *,
    starts_on: date,
    start_time: time,
    minutes: int,
    zone: zoneinfo.ZoneInfo,
    first_day: date,
    last_day: date,
) -> list[Occurrence]:
    """Occurrences on local days first_day..last_day (inclusive)."""
    if last_day < first_day:
        return []
    recurrence = build(rule, starts_on, start_time)
    window = recurrence.between(
        datetime.combine(first_day, time.min), datetime.combine(last_day, time.max), inc=True
    )
    return [place(moment.date(), start_time, minutes, zone) for moment in window]


def first_occurrence(
    rule: Rule, *, starts_on: date, start_time: time, on_or_after: date
) -> date | None:
    """The first local day the rule falls on from `on_or_after`, or None if it never does."""
    recurrence = build(rule, starts_on, start_time)
    moment = recurrence.after(datetime.combine(on_or_after, time.min), inc=True)
    return moment.date() if moment is not None else None
