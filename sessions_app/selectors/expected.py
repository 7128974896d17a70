"""Who is expected at a session, who runs it, and the sessions a client or facilitator has."""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.db.models import Q

from iop.accounts.models import ClientProfile, User
from sessions_app.models import (
    Attendance,
    AttendanceStatus,
    Enrolment,
    Group,
    MakeUpRequest,
    MakeUpStatus,
    Session,
    SessionStatus,
)
from sessions_app.selectors.visibility import client_expected_q, sessions_visible_to


def expected_by_session(sessions: Iterable[Session]) -> dict[int, list[ClientProfile]]:
    """Expected clients of each session, in two queries whatever the number of sessions."""
    sessions = list(sessions)
    result: dict[int, list[ClientProfile]] = {s.pk: [] for s in sessions}
    group_ids = {s.group_id for s in sessions if s.group_id}
    by_group: dict[int, list[Enrolment]] = defaultdict(list)
    if group_ids:
        for enrolment in Enrolment.objects.filter(group_id__in=group_ids).select_related(
            "client__user"
        ):
            by_group[enrolment.group_id].append(enrolment)
    made_up: dict[int, list[ClientProfile]] = defaultdict(list)
    ids = [s.pk for s in sessions]
    if ids:
        for makeup in MakeUpRequest.objects.filter(
            target_session_id__in=ids, status=MakeUpStatus.APPROVED
        ).select_related("client__user"):
            made_up[makeup.target_session_id].append(makeup.client)
    for session in sessions:
        seen: dict[int, ClientProfile] = {}
        if session.client is not None:
            seen[session.client.pk] = session.client
        for enrolment in by_group.get(session.group_id, []) if session.group_id else []:
            if enrolment.covers(session.local_date):
                seen.setdefault(enrolment.client_id, enrolment.client)
        for client in made_up.get(session.pk, []):
            seen.setdefault(client.pk, client)
        result[session.pk] = sorted(seen.values(), key=lambda c: (c.user.full_name, c.pk))
    return result


def expected_clients(session: Session) -> list[ClientProfile]:
    return expected_by_session([session])[session.pk]


def expected_client_of(session: Session, client_id: int) -> ClientProfile | None:
    """The client, if they are expected at the session."""
    return next((c for c in expected_clients(session) if c.pk == client_id), None)


def is_expected(session: Session, client: ClientProfile) -> bool:
    return Session.objects.filter(pk=session.pk).filter(client_expected_q(client)).exists()


def facilitator_ids(session: Session) -> list[int]:
    """Who runs the session: its facilitator and the group's facilitators."""
    ids = {session.facilitator_id}
    if session.group_id:
        ids.update(
            Group.facilitators.through.objects.filter(group_id=session.group_id).values_list(
                "user_id", flat=True
            )
        )
    return sorted(ids)


def session_for_room(room_name: str) -> Session | None:
    """The session whose video room this is (a provider's events name the room), for Harbor
    itself: a webhook has no viewer."""
    return Session.objects.select_related("program", "group").filter(room_name=room_name).first()


def care_team_ids(client: ClientProfile) -> list[int]:
    return list(client.care_team.values_list("clinician_id", flat=True))


# The attendance result of a client who could not take part for a technical reason (for apps
# above sessions, which read attendance through this module).
TECHNICAL_ISSUE: str = AttendanceStatus.TECHNICAL_ISSUE.value


# The results that count as having taken part (a session note is written for these).
ATTENDED_STATUSES: frozenset[str] = frozenset(
    {AttendanceStatus.PRESENT.value, AttendanceStatus.LATE.value, AttendanceStatus.LEFT_EARLY.value}
)


def attendance_of_client_at(client: ClientProfile, session_id: int) -> Attendance | None:
    """The client's attendance at a session, with the session, for the apps above sessions
    (they have already checked that the viewer may see the client)."""
    return (
        Attendance.objects.select_related("session__program", "session__group", "client__user")
        .filter(client=client, session_id=session_id)
        .first()
    )


def clients_with_status(session: Session, status: str) -> list[ClientProfile]:
    """The clients whose attendance at the session is `status` (staff's correction first)."""
    rows = Attendance.objects.filter(session=session).filter(
        Q(corrected_status=status) | Q(corrected_status="", derived_status=status)
    )
    return list(
        ClientProfile.objects.select_related("user")
        .filter(pk__in=rows.values("client_id"))
        .order_by("pk")
    )


def client_upcoming(client: ClientProfile, *, now: datetime, days: int = 14) -> list[Session]:
    """The client's sessions from today (local) on: for the portal."""
    from datetime import timedelta

    start_of_day = now.astimezone(zoneinfo.ZoneInfo(client.user.time_zone)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return list(
        Session.objects.filter(client_expected_q(client))
        .filter(ends_at__gte=start_of_day, starts_at__lt=now + timedelta(days=days))
        .select_related("group", "facilitator", "program")
        .order_by("starts_at", "pk")
    )


def makeup_targets(
    client: ClientProfile, missed: Session, *, now: datetime, days: int = 21
) -> list[Session]:
    """Later group sessions of the same kind with a free place the client is not already at."""
    from datetime import timedelta

    candidates = list(
        Session.objects.filter(
            program_id=missed.program_id,
            kind=missed.kind,
            status=SessionStatus.SCHEDULED,
            group__isnull=False,
            starts_at__gt=now,
            starts_at__lte=now + timedelta(days=days),
        )
        .exclude(pk=missed.pk)
        .select_related("group")
        .order_by("starts_at", "pk")[:60]
    )
    expected = expected_by_session(candidates)
    return [
        s
        for s in candidates
        if s.group is not None  # always: only group sessions are candidates
        and all(c.pk != client.pk for c in expected[s.pk])
        and len(expected[s.pk]) < s.group.capacity
    ]


def calendar_sessions_for(user: User, *, now: datetime) -> list[Session]:
    """A person's own sessions for their calendar: a client's, or those a staff member runs."""
    from datetime import timedelta

    if user.is_client:
        base = sessions_visible_to(user)
    else:
        groups = Group.objects.filter(facilitators=user).values("pk")
        base = Session.objects.filter(Q(facilitator=user) | Q(group_id__in=groups))
    return list(
        base.filter(
            ends_at__gte=now - timedelta(days=30), starts_at__lte=now + timedelta(days=120)
        ).order_by("starts_at", "pk")
    )
