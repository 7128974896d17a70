"""IOP hours: each client's attended hours per treatment week, against the program's minimum.

The hours of any number of clients (a program of 500, a caseload, one client) come from ONE
query: attendance minutes of sessions starting in the window, grouped by client and by the
week their start falls in, in the client's program time zone (`date_trunc('week', ... AT TIME
ZONE zone)`: Monday to Sunday, daylight saving included). The query walks the attendance index
on (client, session start), so it reads the window's rows, whatever the table's size.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.utils import timezone

from iop.accounts.models import ClientProfile
from iop.accounts.selectors import clients_visible_to
from iop.audit.services import access_record_list
from iop.viewer import Viewer
from records.models import RecordSettings
from records.selectors.settings import record_settings_for
from records.weeks import WEEKS_SHOWN, this_week, week_bounds, weeks_ending

OBJECT_TYPE = "records.WeeklyHours"

# One row per client and week that has attendance; weeks without any are zero.
_HOURS_SQL = """
SELECT w.client_id,
       (date_trunc('week', a.session_starts_at AT TIME ZONE w.time_zone))::date AS week,
       SUM(a.minutes_attended)::bigint AS minutes
FROM unnest(%(clients)s::bigint[], %(zones)s::text[]) AS w(client_id, time_zone)
JOIN sessions_app_attendance a
  ON a.client_id = w.client_id
 AND a.session_starts_at >= %(lower)s
 AND a.session_starts_at < %(upper)s
GROUP BY 1, 2
"""


def _hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class HoursRule:
    """A program's weekly minimum and maximum (None: no maximum), in hours."""

    minimum: Decimal
    maximum: Decimal | None

    @classmethod
    def of(cls, settings: RecordSettings) -> HoursRule:
        return cls(Decimal(settings.weekly_minimum_hours), settings.weekly_maximum_hours)


@dataclass(frozen=True)
class WeekHours:
    """A client's attended minutes in one week (named by its Monday), against the rule."""

    starts_on: date
    minutes: int
    rule: HoursRule

    @property
    def hours(self) -> Decimal:
        return _hours(self.minutes)

    @property
    def below_minimum(self) -> bool:
        return Decimal(self.minutes) < self.rule.minimum * 60

    @property
    def above_maximum(self) -> bool:
        return self.rule.maximum is not None and Decimal(self.minutes) > self.rule.maximum * 60


@dataclass(frozen=True)
class ClientHours:
    """One client's weeks, oldest first; the last is the week asked for (this week by default)."""

    client: ClientProfile
    weeks: tuple[WeekHours, ...]
    rule: HoursRule

    @property
    def this_week(self) -> WeekHours:
        return self.weeks[-1]


def _rules_for(program_ids: set[int]) -> dict[int, HoursRule]:
    """Each program's rule, in one query (the defaults for a program with no saved settings)."""
    if len(program_ids) == 1:  # the usual case: one program
        (only,) = program_ids
        return {only: HoursRule.of(record_settings_for(only))}
    saved = {s.program_id: s for s in RecordSettings.objects.filter(program_id__in=program_ids)}
    return {pk: HoursRule.of(saved.get(pk) or RecordSettings(program_id=pk)) for pk in program_ids}


def _zone(client: ClientProfile) -> str:
    return client.program.time_zone


def hours_of(
    clients: Sequence[ClientProfile],
    *,
    now: datetime | None = None,
    week: date | None = None,
    count: int = WEEKS_SHOWN,
) -> list[ClientHours]:
    """The clients' hours (loaded with their program), unscoped and unaudited: for Harbor's own
    checks and for the scoped selectors below. `count` weeks ending with `week` (a date in it),
    else with this week in each client's program zone."""
    if not clients:
        return []
    now = now or timezone.now()
    rules = _rules_for({c.program_id for c in clients})
    wanted = {
        zone: weeks_ending(week or this_week(zone, now), count)
        for zone in {_zone(c) for c in clients}
    }
    spans = [week_bounds(weeks[0], zone)[0] for zone, weeks in wanted.items()]
    ends = [week_bounds(weeks[-1], zone)[1] for zone, weeks in wanted.items()]
    minutes: dict[int, dict[date, int]] = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(
            _HOURS_SQL,
            {
                "clients": [c.pk for c in clients],
                "zones": [_zone(c) for c in clients],
                "lower": min(spans),
                "upper": max(ends),
            },
        )
        for client_id, monday, total in cursor.fetchall():
            minutes[client_id][monday] = int(total)
    result = []
    for client in clients:
        rule = rules[client.program_id]
        weeks = tuple(
            WeekHours(monday, minutes[client.pk].get(monday, 0), rule)
            for monday in wanted[_zone(client)]
        )
        result.append(ClientHours(client, weeks, rule))
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


def hours_clients_for(viewer: Viewer, *, client_id: int | None = None) -> list[ClientProfile]:
    """The clients whose hours the viewer may see, by name (a client: themself; a clinician:
    their caseload; a supervisor: their program; an API key: its program)."""
    rows = clients_visible_to(viewer).order_by("user__full_name", "pk")
    if client_id is not None:
        rows = rows.filter(pk=client_id)
    return list(rows)


def client_hours_for(
    viewer: Viewer, client: ClientProfile, *, now: datetime | None = None
) -> ClientHours | None:
    """One client's weeks, if the viewer may see the client (audited); else None."""
    if not clients_visible_to(viewer).filter(pk=client.pk).exists():
        return None
    return weekly_hours_for(viewer, [client], now=now)[0]
