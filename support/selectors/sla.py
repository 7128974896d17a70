"""Reads of the SLA set-up: a calendar as a Schedule, the policy for a priority, and the support
metrics (aggregates only: no client is named, so nothing here is audited)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Aggregate, Avg, Count, FloatField, QuerySet
from django.utils import timezone

from iop.accounts.models import Role, StaffProfile
from iop.viewer import Viewer, person_of
from support.business_hours import Schedule, Window
from support.models import (
    BusinessHours,
    Closure,
    SlaEvent,
    SlaPolicy,
    SupportCalendar,
    Ticket,
    TicketCategory,
    TicketRating,
)
from support.sla_clock import Mark

# Schedules by (calendar id, updated_at): every change of hours or closures touches the
# calendar's updated_at (support/services/setup.py), so a stale entry is never read again.
_schedules: dict[tuple[int, datetime], Schedule] = {}
_SCHEDULES_KEPT = 64


def schedule_of(calendar: SupportCalendar) -> Schedule:
    """The calendar's schedule: weekly windows, public holidays and closures."""
    key = (calendar.pk, calendar.updated_at)
    found = _schedules.get(key)
    if found is not None:
        return found
    week: list[list[Window]] = [[] for _ in range(7)]
    for row in BusinessHours.objects.filter(calendar=calendar).order_by("weekday", "opens"):
        closes = (
            None if row.closes.hour == row.closes.minute == row.closes.second == 0 else row.closes
        )
        week[row.weekday].append(Window(row.opens, closes))
    closed: set[date] = set()
    for closure in Closure.objects.filter(calendar=calendar):
        day = closure.starts_on
        while day <= closure.ends_on:
            closed.add(day)
            day += timedelta(days=1)
    schedule = Schedule(
        zone=ZoneInfo(calendar.time_zone),
        week=tuple(tuple(day) for day in week),
        country=calendar.holiday_country,
        subdivision=calendar.holiday_subdivision,
        closures=frozenset(closed),
    )
    if len(_schedules) >= _SCHEDULES_KEPT:
        _schedules.clear()
    _schedules[key] = schedule
    return schedule


def policy_for(priority: str) -> SlaPolicy | None:
    """The active SLA policy for a priority, with its calendar (None: no SLA for it)."""
    return (
        SlaPolicy.objects.select_related("calendar")
        .filter(priority=priority, is_active=True)
        .first()
    )


def policies_of(calendar: SupportCalendar) -> QuerySet[SlaPolicy]:
    return SlaPolicy.objects.filter(calendar=calendar)


# -- metrics ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spread:
    count: int
    median_minutes: float | None
    p90_minutes: float | None


@dataclass(frozen=True)
class SupportMetrics:
    since: datetime
    week_starts: datetime
    first_response: Spread
    resolution: Spread
    breaches_this_week: int
    warnings_this_week: int
    by_category: list[tuple[str, int]]
    csat_average: float | None
    csat_count: int
    csat_satisfied_percent: float | None
    open_now: int


METRICS_DAYS = 30


def may_see_metrics(viewer: Viewer) -> bool:
    person = person_of(viewer)
    return person is not None and person.is_active and person.role in (Role.SUPERVISOR, Role.ADMIN)


def _metric_tickets(viewer: Viewer) -> QuerySet[Ticket]:
    """Supervisors: tickets of their program's people; administrators: every ticket."""
    person = person_of(viewer)
    if person is None or not may_see_metrics(person):
        return Ticket.objects.none()
    if person.role == Role.ADMIN:
        return Ticket.objects.all()
    programs = StaffProfile.objects.filter(user=person).values("program_id")
    return Ticket.objects.filter(program_id__in=programs)


class PercentileMinutes(Aggregate):
    """PostgreSQL's percentile_cont over a duration column, in minutes."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM %(expressions)s) / 60)"
    output_field = FloatField()

    def __init__(self, expression: str, fraction: float) -> None:
        super().__init__(expression, fraction=f"{float(fraction)!r}")


def _spread(rows: QuerySet[Ticket], column: str) -> Spread:
    found = rows.filter(**{f"{column}__isnull": False}).aggregate(
        n=Count("pk"),
        median=PercentileMinutes(column, 0.5),
        p90=PercentileMinutes(column, 0.9),
    )
    return Spread(found["n"], found["median"], found["p90"])


def support_metrics_for(viewer: Viewer, *, now: datetime | None = None) -> SupportMetrics:
    """First-response and resolution times (business minutes, median and p90) of the last 30
    days, breaches this week, tickets per category and satisfaction."""
    now = now or timezone.now()
    since = now - timedelta(days=METRICS_DAYS)
    local = timezone.localtime(now)
    week_starts = (local - timedelta(days=local.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    tickets = _metric_tickets(viewer)
    recent = tickets.filter(created_at__gte=since)
    events = SlaEvent.objects.filter(ticket__in=tickets.values("pk"), fired_at__gte=week_starts)
    counts = dict(recent.values("category").annotate(n=Count("pk")).values_list("category", "n"))
    ratings = TicketRating.objects.filter(ticket__in=recent.values("pk"))
    summary = ratings.aggregate(average=Avg("score"), n=Count("pk"))
    satisfied = ratings.filter(score__gte=4).count()
    return SupportMetrics(
        since=since,
        week_starts=week_starts,
        first_response=_spread(recent, "first_response_spent"),
        resolution=_spread(recent, "resolution_spent"),
        breaches_this_week=events.filter(kind=Mark.BREACH).count(),
        warnings_this_week=events.filter(kind=Mark.WARNING).count(),
        by_category=[(label, counts.get(value, 0)) for value, label in TicketCategory.choices],
        csat_average=summary["average"],
        csat_count=summary["n"],
        csat_satisfied_percent=(100 * satisfied / summary["n"]) if summary["n"] else None,
        open_now=tickets.filter(status__in=["new", "open", "pending", "on_hold"]).count(),
    )
