"""Demo IOP hours for `manage.py seed_demo`: safe to run again, and relative to the day it runs.

clinician1's group had three skills blocks (3 hours each, 10 am program time on Monday, Tuesday
and Wednesday) in each of the last four weeks, and this week's that are already over. Every
client of the group attended them all but the first (by name), who came to one a week: so
clinician1's caseload shows a client below the weekly minimum (9 hours) whatever the day, and
from the program's check day (Wednesday) the hours check raises their engagement alert.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import timezone

from iop.accounts.demo import DemoClinic
from iop.domain import DomainError
from records.models import RecordSettings
from records.weeks import week_of
from sessions_app import selectors, services

TITLE = "Skills block (demo)"
BLOCK = timedelta(hours=3)
BLOCK_DAYS = (0, 1, 2)  # Monday, Tuesday, Wednesday
WEEKS_BACK = 4


def _blocks(zone: str, now: datetime) -> list[datetime]:
    """The blocks' starts (UTC) of the last four weeks and this week's that are over."""
    monday = week_of(now.astimezone(ZoneInfo(zone)).date())
    starts = []
    for back in range(WEEKS_BACK, -1, -1):
        for day in BLOCK_DAYS:
            local = datetime.combine(
                monday - timedelta(weeks=back, days=-day), time(10), tzinfo=ZoneInfo(zone)
            )
            if local + BLOCK <= now - timedelta(minutes=10):
                starts.append(local.astimezone(UTC))
    return starts


def seed_hours(clinic: DemoClinic, *, now: datetime | None = None) -> None:
    """Create (or keep) the program's record settings and clinician1's skills blocks."""
    now = now or timezone.now()
    program = clinic.program
    RecordSettings.objects.get_or_create(program=program)
    clinician = clinic.staff["clinician1"]
    group = selectors.groups_visible_to(clinician).filter(program=program).order_by("pk").first()
    if group is None:
        return
    starts = _blocks(program.time_zone, now)
    if not starts:
        return
    existing = {
        s.starts_at
        for s in selectors.sessions_between(
            clinician, starts[0].date() - timedelta(days=1), now.date() + timedelta(days=1)
        ).filter(title=TITLE, group=group)
    }
    for starts_at in starts:
        if starts_at in existing:
            continue
        try:
            session = services.session_create(
                actor=clinic.staff["admin"],
                group=group,
                kind="group",
                title=TITLE,
                facilitator=clinician,
                starts_at=starts_at,
                ends_at=starts_at + BLOCK,
            )
        except (ValidationError, DomainError):
            continue  # something else is booked then: that block is left out
        clients = sorted(selectors.expected_clients(session), key=lambda c: c.user.full_name)
        for index, client in enumerate(clients):
            if index == 0 and starts_at.astimezone(ZoneInfo(program.time_zone)).weekday() != 0:
                continue  # the first client comes on Mondays only: below the minimum
            for kind, at in (("join", starts_at), ("leave", starts_at + BLOCK)):
                services.attendance_event_record(
                    actor=None,
                    session=session,
                    client=client,
                    kind=kind,
                    source="webhook",
                    at=at,
                )
        services.session_finalise(session=session, now=now)
