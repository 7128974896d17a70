"""When the clinic reads secure messages: the same hours every open weekday, in the program's
time zone, closed on public holidays (the `holidays` package). Settings name the hours
(MESSAGING_CLINIC_HOURS, _DAYS, _HOLIDAY_COUNTRY); nothing here touches the database.

The support desk has its own calendar (support/), for its own agents' hours; the clinic's
reading hours are the clinicians', so they are the program's and live here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SEARCH_DAYS = 400  # a clinic closed for longer has no next opening (None)
HOURS_PATTERN = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


@lru_cache(maxsize=64)
def _holidays(country: str, year: int) -> frozenset[date]:
    if not country:
        return frozenset()
    return frozenset(holidays.country_holidays(country, years=year).keys())


@dataclass(frozen=True)
class ClinicHours:
    zone: ZoneInfo
    opens: time
    closes: time
    weekdays: frozenset[int]
    country: str = ""

    def window(self, day: date) -> tuple[datetime, datetime] | None:
        """The day's open interval (aware datetimes), or None on a closed day."""
        if day.weekday() not in self.weekdays or day in _holidays(self.country, day.year):
            return None
        return (
            datetime.combine(day, self.opens, tzinfo=self.zone),
            datetime.combine(day, self.closes, tzinfo=self.zone),
        )

    def _windows_from(self, instant: datetime):
        day = instant.astimezone(self.zone).date()
        for offset in range(SEARCH_DAYS):
            found = self.window(day + timedelta(days=offset))
            if found is not None and found[1] > instant:
                yield found

    def is_open_at(self, instant: datetime) -> bool:
        found = self.window(instant.astimezone(self.zone).date())
        return found is not None and found[0] <= instant < found[1]

    def next_opening(self, instant: datetime) -> datetime | None:
        """`instant` itself when open, else when the clinic next opens."""
        for opens, _closes in self._windows_from(instant):
            return max(opens, instant)
        return None

    @property
    def day_length(self) -> timedelta:
        return datetime.combine(date.min, self.closes) - datetime.combine(date.min, self.opens)

    def add_open_time(self, start: datetime, amount: timedelta) -> datetime | None:
        """The instant `amount` of clinic time after `start` (counting only open hours)."""
        left = amount
        for opens, closes in self._windows_from(start):
            low = max(opens, start)
            if left <= closes - low:
                return low + left
            left -= closes - low
        return None


def parse(hours: str, days: list[str], country: str, zone: str) -> ClinicHours:
    """Clinic hours from their settings' text; a bad value raises ImproperlyConfigured."""
    found = HOURS_PATTERN.match(hours.strip())
    if found is None:
        raise ImproperlyConfigured(
            f"MESSAGING_CLINIC_HOURS must be HH:MM-HH:MM, e.g. 09:00-17:00; got {hours!r}"
        )
    opens = time(int(found.group(1)), int(found.group(2)))
    closes = time(int(found.group(3)), int(found.group(4)))
    if closes <= opens:
        raise ImproperlyConfigured("MESSAGING_CLINIC_HOURS must close after it opens")
    unknown = [d for d in days if d.strip().lower()[:3] not in DAYS]
    if unknown or not days:
        raise ImproperlyConfigured(
            f"MESSAGING_CLINIC_DAYS must name days as {','.join(DAYS)}; got {days!r}"
        )
    if country and country not in holidays.list_supported_countries():
        raise ImproperlyConfigured(f"MESSAGING_HOLIDAY_COUNTRY {country!r} is not a country code")
    return ClinicHours(
        zone=ZoneInfo(zone),
        opens=opens,
        closes=closes,
        weekdays=frozenset(DAYS.index(d.strip().lower()[:3]) for d in days),
        country=country,
    )


def clinic_hours(time_zone: str) -> ClinicHours:
    """The clinic's reading hours in a program's time zone."""
    return parse(
        settings.MESSAGING_CLINIC_HOURS,
        list(settings.MESSAGING_CLINIC_DAYS),
        settings.MESSAGING_HOLIDAY_COUNTRY,
        time_zone,
    )


def reply_within() -> timedelta:
    """How much clinic time a client's message may wait before the care team is reminded."""
    minutes = settings.MESSAGING_REPLY_WITHIN_MINUTES
    if minutes:
        return timedelta(minutes=minutes)
    return clinic_hours("UTC").day_length  # one clinic day


def supervisor_after() -> timedelta:
    return timedelta(minutes=settings.MESSAGING_SUPERVISOR_AFTER_MINUTES)
