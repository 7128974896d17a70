"""IOP hours: each client's attended hours per treatment week, against the program's minimum.

The hours of any number of clients of a program (all 500, a caseload, one client) come from ONE
query: attendance minutes of sessions starting in the window, summed by client and by the week
each session starts in. The weeks are Monday to Sunday in the program's time zone: their UTC
bounds are computed here (records.weeks, daylight saving included), and the query puts each row
in its week with `width_bucket` over those bounds, the same answer as `date_trunc('week', ...
AT TIME ZONE zone)` for a fraction of the cost (bench/records.py measures both). It walks the
attendance index on (client, session start) INCLUDE (minutes), so it reads the window's rows
only, whatever the table's size. Clients of programs in different time zones (an
administrator's view) take one query per zone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from django.db import connection
from django.utils import timezone

from iop.accounts.models import ClientProfile, Program
from iop.accounts.selectors import clients_visible_to
from iop.audit.services import access_record_list
from iop.viewer import Viewer
from records.models import RecordSettings
from records.selectors.settings import record_settings_for
from records.weeks import WEEK, WEEKS_SHOWN, local_midnight, this_week, weeks_ending

OBJECT_TYPE = "records.WeeklyHours"

# One row per client and week with attendance (week n: between bounds n and n+1, from 1).
_HOURS_SQL = """
SELECT a.client_id,
       width_bucket(a.session_starts_at, %(bounds)s::timestamptz[]) AS week,
       SUM(a.minutes_attended)::bigint AS minutes
FROM sessions_app_attendance a
WHERE a.client_id = ANY(%(clients)s::bigint[])
  AND a.session_starts_at >= %(lower)s
  AND a.session_starts_at < %(upper)s
GROUP BY 1, 2
"""

# The same grouping written with the time zone, kept for the bench's comparison.
DATE_TRUNC_SQL = """
SELECT a.client_id,
       (date_trunc('week', a.session_starts_at AT TIME ZONE %(zone)s))::date AS week,
       SUM(a.minutes_attended)::bigint AS minutes
FROM sessions_app_attendance a
WHERE a.client_id = ANY(%(clients)s::bigint[])
  AND a.session_starts_at >= %(lower)s
  AND a.session_starts_at < %(upper)s
GROUP BY 1, 2
"""


def hours_query_params(client_ids: list[int], weeks: list[date], zone: str) -> dict[str, Any]:
    """The query's parameters for these clients and weeks (Mondays, oldest first) in `zone`."""
    bounds = [local_midnight(monday, zone) for monday in weeks]
    bounds.append(local_midnight(weeks[-1] + WEEK, zone))
    return {
        "clients": client_ids,
        "bounds": bounds,
        "lower": bounds[0],
        "upper": bounds[-1],
        "zone": zone,
    }


def _hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


class HoursRule(NamedTuple):
    """A program's weekly minimum and maximum (None: no maximum), in hours."""

    minimum: Decimal
    maximum: Decimal | None

    @classmethod
    def of(cls, settings: RecordSettings) -> HoursRule:
        return cls(Decimal(settings.weekly_minimum_hours), settings.weekly_maximum_hours)


class WeekHours(NamedTuple):
    """A client's attended minutes in one week (named by its Monday), against the rule."""

    starts_on: date
    minutes: int
    rule: HoursRule
    # False for a week wholly before the client's admission or after their discharge: they were
    # not in the program then, so no minimum applies (and no alert is raised).
    in_care: bool = True

    @property
    def hours(self) -> Decimal:
        return _hours(self.minutes)

    @property
    def below_minimum(self) -> bool:
        return self.in_care and Decimal(self.minutes) < self.rule.minimum * 60

    @property
    def above_maximum(self) -> bool:
        return self.rule.maximum is not None and Decimal(self.minutes) > self.rule.maximum * 60


class ClientHours(NamedTuple):
    """One client's minutes in the weeks named by `mondays` (oldest first; the last is the week
    asked for, this week by default), against the rule. The weeks are made when read."""

    client: ClientProfile
    mondays: Sequence[date]
    minutes: Sequence[int]
    rule: HoursRule

    @property
    def weeks(self) -> tuple[WeekHours, ...]:
        rule = self.rule
        return tuple(
            WeekHours(monday, minutes, rule, self._in_care(monday))
            for monday, minutes in zip(self.mondays, self.minutes, strict=True)
        )

    @property
    def this_week(self) -> WeekHours:
        monday = self.mondays[-1]
        return WeekHours(monday, self.minutes[-1], self.rule, self._in_care(monday))

    def _in_care(self, monday: date) -> bool:
        admitted, discharged = self.client.admitted_on, self.client.discharged_on
        if admitted is not None and monday + timedelta(days=6) < admitted:
            return False
        return discharged is None or monday <= discharged


# Load clients with this (`select_related(*WITH_RULES)`) and their program's rule comes with them.
WITH_RULES = ("user", "program__record_settings")


def _rules_for(clients: Sequence[ClientProfile]) -> dict[int, HoursRule]:
    """Each program's rule: read with the clients when they were loaded WITH_RULES, else in one
    query (the defaults for a program with no saved settings)."""
    rules: dict[int, HoursRule] = {}
    for client in clients:
        program = client.program
        if program.pk in rules or not Program.record_settings.is_cached(program):
            continue
        saved = getattr(program, "record_settings", None)  # None: cached as missing
        rules[program.pk] = HoursRule.of(saved or RecordSettings(program_id=program.pk))
    missing = {c.program_id for c in clients} - set(rules)
    if len(missing) == 1:
        (only,) = missing
        rules[only] = HoursRule.of(record_settings_for(only))
    elif missing:
        saved_rows = {
            s.program_id: s for s in RecordSettings.objects.filter(program_id__in=missing)
        }
        for pk in missing:
            rules[pk] = HoursRule.of(saved_rows.get(pk) or RecordSettings(program_id=pk))
    return rules


def _zone(client: ClientProfile) -> str:
    return client.program.time_zone


def _minutes_by_week(
    client_ids: list[int], weeks: list[date], zone: str
) -> dict[int, dict[date, int]]:
    found: dict[int, dict[date, int]] = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(_HOURS_SQL, hours_query_params(client_ids, weeks, zone))
        for client_id, bucket, total in cursor.fetchall():
            found[client_id][weeks[bucket - 1]] = int(total)
    return found


def hours_of(
    clients: Sequence[ClientProfile],
    *,
    now: datetime | None = None,
    week: date | None = None,
    count: int = WEEKS_SHOWN,
) -> list[ClientHours]:
    """The clients' hours (loaded with their program), unscoped and unaudited: for Harbor's own
    checks and for the scoped selectors below. `count` weeks ending with `week` (a date in it),
    else with this week in each client's program zone. One query per time zone."""
    if not clients:
        return []
    now = now or timezone.now()
    rules = _rules_for(clients)
    by_zone: dict[str, list[int]] = defaultdict(list)
    for client in clients:
        by_zone[_zone(client)].append(client.pk)
    wanted: dict[str, list[date]] = {}
    minutes: dict[int, dict[date, int]] = {}
    for zone, ids in by_zone.items():
        wanted[zone] = weeks_ending(week or this_week(zone, now), count)
        minutes.update(_minutes_by_week(ids, wanted[zone], zone))
    result = []
    for client in clients:
        mondays = wanted[_zone(client)]
        mine = minutes.get(client.pk)
        counted = [mine.get(monday, 0) for monday in mondays] if mine else [0] * len(mondays)
        result.append(ClientHours(client, mondays, counted, rules[client.program_id]))
    return result


def weekly_hours_for(
    viewer: Viewer,
    clients: Sequence[ClientProfile],
    *,
    now: datetime | None = None,
    week: date | None = None,
    count: int = WEEKS_SHOWN,
) -> list[ClientHours]:
    """The hours of the given clients the viewer may see (the caller read them through
    `clients_visible_to`), with one audit row per client shown."""
    found = hours_of(clients, now=now, week=week, count=count)
    access_record_list(actor=viewer, clients=clients, object_type=OBJECT_TYPE)
    return found


def hours_clients_for(
    viewer: Viewer, *, client_id: int | None = None, limit: int | None = None
) -> list[ClientProfile]:
    """The clients whose hours the viewer may see, by name (a client: themself; a clinician:
    their caseload; a supervisor: their program; an API key: its program), at most `limit`."""
    rows = clients_visible_to(viewer).select_related(*WITH_RULES).order_by("user__full_name", "pk")
    if client_id is not None:
        rows = rows.filter(pk=client_id)
    return list(rows[:limit] if limit is not None else rows)


def client_hours_for(
    viewer: Viewer, client: ClientProfile, *, now: datetime | None = None
) -> ClientHours | None:
    """One client's weeks, if the viewer may see the client (audited); else None."""
    if not clients_visible_to(viewer).filter(pk=client.pk).exists():
        return None
    return weekly_hours_for(viewer, [client], now=now)[0]
