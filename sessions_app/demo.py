"""Demo sessions for `manage.py seed_demo`: safe to run again, and relative to the day it runs.

* a recurring series for each demo group, from tomorrow (Mon/Wed/Fri and Tue/Thu, 6 pm);
* "Open session (demo)" for clinician1's group, started five minutes ago: a demo client can
  join it while clinician1 watches the dashboard, or press "I can't connect" and chat with tech
  support (a session under way makes that urgent, answered on the desk's all-day line at any
  hour). Each seeding leaves one with at least an hour to go, so a second `make run` later
  the same day gets a fresh one;
* "Check-in group (demo)" for clinician2's group, started 25 minutes ago with two clients in
  and the rest missing: the missed-session beat job sends "we missed you" outreach within
  seconds of `make run` starting, and it shows on clinician2's dashboard;
* a finalised session a week ago that Indigo Moss missed, so missing today's check-in group
  too raises an engagement alert.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from iop.accounts.demo import DemoClinic
from iop.accounts.models import Program, User
from iop.domain import DomainError
from sessions_app import services
from sessions_app.models import (
    AttendanceEventSource,
    Enrolment,
    EventKind,
    Group,
    ProgramSessionSettings,
    Session,
    SessionSeries,
    SessionStatus,
)
from sessions_app.selectors import expected_clients, zone_of

DIAL_IN = "+18005550111"
SERIES = [
    (0, "clinician1", "Evening group therapy (Mon/Wed/Fri)", "FREQ=WEEKLY;BYDAY=MO,WE,FR"),
    (1, "clinician2", "Evening group therapy (Tue/Thu)", "FREQ=WEEKLY;BYDAY=TU,TH"),
]
MISSED_AGAIN = "Indigo Moss"
OPEN_SESSION = "Open session (demo)"
OPEN_AT_LEAST = timedelta(hours=1)  # what a click-through needs of the open session
GROUPS = [
    (
        "Monday/Wednesday/Friday Evening Group",
        "clinician1",
        "Cameras on when you can. What is shared here stays here.",
    ),
    (
        "Tuesday/Thursday Evening Group",
        "clinician2",
        "Join from a private space. Be kind, and speak from your own experience.",
    ),
]


def _floor(moment: datetime, minutes: int = 5) -> datetime:
    return moment.replace(second=0, microsecond=0) - timedelta(minutes=moment.minute % minutes)


def _series(
    program: Program, group: Group, facilitator: User, admin: User, title: str, rule: str, now
) -> None:
    if SessionSeries.objects.filter(group=group, title=title).exists():
        return
    tomorrow = now.astimezone(zone_of(program)).date() + timedelta(days=1)
    services.series_create(
        actor=admin,
        group=group,
        kind="group",
        title=title,
        facilitator=facilitator,
        rule=rule,
        starts_on=tomorrow,
        start_time=time(18),
        duration_minutes=180,
    )


def _make_room(admin: User, facilitator: User, starts_at: datetime, ends_at: datetime) -> None:
    """Today's demo sessions replace whatever the facilitator had at that time."""
    clashing = Session.objects.filter(
        facilitator=facilitator,
        status=SessionStatus.SCHEDULED,
        starts_at__lt=ends_at,
        ends_at__gt=starts_at,
    )
    for session in clashing:
        try:
            services.session_cancel(
                actor=admin, session=session, reason="Replaced by a demo session."
            )
        except (ValidationError, DomainError):
            continue


def _single(
    admin: User,
    group: Group,
    facilitator: User,
    title: str,
    starts_at: datetime,
    minutes: int,
    *,
    lasting_past: datetime | None = None,
) -> tuple[Session | None, bool]:
    """Today's session of this title, or a new one; with `lasting_past`, only one that has not
    ended by then is kept."""
    day = starts_at.astimezone(zone_of(group.program)).date()
    kept = Session.objects.filter(
        group=group, title=title, local_date=day, status=SessionStatus.SCHEDULED
    )
    if lasting_past is not None:
        kept = kept.filter(ends_at__gte=lasting_past)
    found = kept.first()
    if found is not None:
        return found, False
    ends_at = starts_at + timedelta(minutes=minutes)
    _make_room(admin, facilitator, starts_at, ends_at)
    try:
        session = services.session_create(
            actor=admin,
            group=group,
            kind="group",
            title=title,
            facilitator=facilitator,
            starts_at=starts_at,
            ends_at=ends_at,
        )
    except ValidationError:
        return None, False
    return session, True


def _join(session: Session, client, minute: int) -> None:
    services.attendance_event_record(
        actor=client.user,
        session=session,
        client=client,
        kind=EventKind.JOIN,
        source=AttendanceEventSource.WEBHOOK,
        at=session.starts_at + timedelta(minutes=minute),
    )


def _groups(clinic: DemoClinic) -> list[Group]:
    """One group per demo clinician, each client enrolled in their primary clinician's."""
    made = []
    for name, facilitator, guidelines in GROUPS:
        group, _ = Group.objects.get_or_create(
            program=clinic.program, name=name, defaults={"capacity": 10, "guidelines": guidelines}
        )
        group.facilitators.add(clinic.staff[facilitator])
        made.append(group)
    for client in clinic.clients:
        facilitated = clinic.primary[client.pk] == clinic.staff["clinician1"]
        Enrolment.objects.get_or_create(
            group=made[0] if facilitated else made[1],
            client=client,
            defaults={"starts_on": client.admitted_on},
        )
    return made


def seed_sessions(clinic: DemoClinic, *, now: datetime | None = None) -> None:
    """Create (or keep) the demo groups and the schedule described above."""
    now = now or timezone.now()
    program, staff = clinic.program, clinic.staff
    with transaction.atomic():
        groups = _groups(clinic)
    admin = staff["admin"]
    ProgramSessionSettings.objects.get_or_create(
        program=program, defaults={"dial_in_number": DIAL_IN}
    )
    for index, key, title, rule in SERIES:
        _series(program, groups[index], staff[key], admin, title, rule, now)

    _single(
        admin,
        groups[0],
        staff["clinician1"],
        OPEN_SESSION,
        _floor(now) - timedelta(minutes=5),
        90,
        lasting_past=now + OPEN_AT_LEAST,
    )

    week_ago, made = _single(
        admin,
        groups[1],
        staff["clinician2"],
        "Check-in group (demo, last week)",
        _floor(now - timedelta(days=7)) - timedelta(minutes=25),
        60,
    )
    if made and week_ago is not None:
        for client in expected_clients(week_ago):
            if client.user.full_name != MISSED_AGAIN:
                _join(week_ago, client, 1)
        services.session_finalise(session=week_ago, now=now)

    earlier, made = _single(
        admin,
        groups[1],
        staff["clinician2"],
        "Check-in group (demo)",
        _floor(now) - timedelta(minutes=25),
        60,
    )
    if made and earlier is not None:
        for client in expected_clients(earlier)[:2]:
            _join(earlier, client, 2)
        # Created after its grace period had passed, so the timer is set by hand: the beat job
        # picks it up as soon as `make run` is serving.
        with transaction.atomic():
            Session.objects.filter(pk=earlier.pk).update(missed_check_due_at=now)
