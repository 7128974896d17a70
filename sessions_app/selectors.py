"""Every read of sessions, always given the viewer: a user (by role) or an API key (by program).

Who sees which sessions:
  client       sessions they are expected at (their groups while enrolled, their own
               individual/family sessions, approved make-ups)
  clinician    sessions they facilitate, and every session of the groups they facilitate
  supervisor   every session of their program
  admin        everything
  support      nothing here (they see tech data through tickets)
  API key      its program
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from iop.accounts.models import ClientProfile, Program, Role, StaffProfile, User
from iop.accounts.selectors import clients_visible_to
from sessions_app.models import (
    Attendance,
    EngagementAlert,
    Enrolment,
    Group,
    MakeUpRequest,
    MakeUpStatus,
    ProgramSessionSettings,
    Session,
    SessionStatus,
    TechCheck,
)


def _api_key(viewer: Any):
    from iop.api.models import ApiKey

    return viewer if isinstance(viewer, ApiKey) else None


def _is_person(viewer: Any) -> bool:
    return viewer is not None and getattr(viewer, "is_authenticated", False) and viewer.is_active


def program_settings(program: Program | int) -> ProgramSessionSettings:
    """The program's settings row, or the defaults (unsaved) when it has none."""
    program_id = program if isinstance(program, int) else program.pk
    found = ProgramSessionSettings.objects.filter(program_id=program_id).first()
    return found or ProgramSessionSettings(program_id=program_id)


def zone_of(program: Program) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(program.time_zone)


def supervised_program_ids(user: User):
    return StaffProfile.objects.filter(user=user).values("program_id")


def client_expected_q(client: ClientProfile) -> Q:
    """Sessions this client is expected at, as a filter on Session."""
    enrolled = Enrolment.objects.filter(
        client=client, group=OuterRef("group"), starts_on__lte=OuterRef("local_date")
    ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=OuterRef("local_date")))
    made_up = MakeUpRequest.objects.filter(client=client, status=MakeUpStatus.APPROVED).values(
        "target_session_id"
    )
    return Q(client=client) | Q(Exists(enrolled), group__isnull=False) | Q(pk__in=made_up)


def sessions_visible_to(viewer: Any) -> QuerySet[Session]:
    base = Session.objects.all()
    key = _api_key(viewer)
    if key is not None:
        return base.filter(program_id=key.program_id)
    if not _is_person(viewer):
        return base.none()
    if viewer.role == Role.CLIENT:
        client = ClientProfile.objects.filter(user=viewer).first()
        return base.filter(client_expected_q(client)) if client else base.none()
    if viewer.role == Role.CLINICIAN:
        groups = Group.objects.filter(facilitators=viewer).values("pk")
        return base.filter(Q(facilitator=viewer) | Q(group_id__in=groups))
    if viewer.role == Role.SUPERVISOR:
        return base.filter(program_id__in=supervised_program_ids(viewer))
    if viewer.role == Role.ADMIN:
        return base
    return base.none()


def session_get_for(viewer: Any, session_id: int) -> Session:
    """One session the viewer may see (else Session.DoesNotExist)."""
    return (
        sessions_visible_to(viewer)
        .select_related("program", "group", "client__user", "facilitator", "series")
        .get(pk=session_id)
    )


def groups_visible_to(viewer: Any) -> QuerySet[Group]:
    base = Group.objects.select_related("program")
    key = _api_key(viewer)
    if key is not None:
        return base.filter(program_id=key.program_id)
    if not _is_person(viewer):
        return base.none()
    if viewer.role == Role.CLIENT:
        return base.filter(enrolments__client__user=viewer).distinct()
    if viewer.role == Role.CLINICIAN:
        return base.filter(facilitators=viewer)
    if viewer.role == Role.SUPERVISOR:
        return base.filter(program_id__in=supervised_program_ids(viewer))
    if viewer.role == Role.ADMIN:
        return base
    return base.none()


def enrolments_visible_to(viewer: Any) -> QuerySet[Enrolment]:
    base = Enrolment.objects.select_related("group", "client__user")
    if _is_person(viewer) and viewer.role == Role.CLIENT:
        return base.filter(client__user=viewer)
    return base.filter(group__in=groups_visible_to(viewer).values("pk"))


def attendance_visible_to(viewer: Any) -> QuerySet[Attendance]:
    base = Attendance.objects.select_related("session", "client__user")
    if _is_person(viewer) and viewer.role == Role.CLIENT:
        return base.filter(client__user=viewer)
    return base.filter(session__in=sessions_visible_to(viewer).values("pk"))


def tech_checks_visible_to(viewer: Any) -> QuerySet[TechCheck]:
    """A client's own checks; staff see those of clients they may see or whose group they run."""
    base = TechCheck.objects.select_related("client__user")
    if _is_person(viewer) and viewer.role == Role.CLIENT:
        return base.filter(client__user=viewer)
    if _is_person(viewer) and viewer.role == Role.CLINICIAN:
        groups = Group.objects.filter(facilitators=viewer).values("pk")
        in_groups = Enrolment.objects.filter(group_id__in=groups).values("client_id")
        return base.filter(
            Q(client__in=clients_visible_to(viewer).values("pk")) | Q(client_id__in=in_groups)
        )
    return base.filter(client__in=clients_visible_to(viewer).values("pk"))


def makeups_visible_to(viewer: Any) -> QuerySet[MakeUpRequest]:
    base = MakeUpRequest.objects.select_related(
        "client__user", "missed_session", "target_session", "requested_by", "decided_by"
    )
    if _is_person(viewer) and viewer.role == Role.CLIENT:
        return base.filter(client__user=viewer)
    visible = sessions_visible_to(viewer).values("pk")
    return base.filter(Q(target_session__in=visible) | Q(missed_session__in=visible))


# --- who is expected ------------------------------------------------------------------------


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
        if session.client_id:
            seen[session.client_id] = session.client
        for enrolment in by_group.get(session.group_id, []):
            if enrolment.covers(session.local_date):
                seen.setdefault(enrolment.client_id, enrolment.client)
        for client in made_up.get(session.pk, []):
            seen.setdefault(client.pk, client)
        result[session.pk] = sorted(seen.values(), key=lambda c: (c.user.full_name, c.pk))
    return result


def expected_clients(session: Session) -> list[ClientProfile]:
    return expected_by_session([session])[session.pk]


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


def care_team_ids(client: ClientProfile) -> list[int]:
    return list(client.care_team.values_list("clinician_id", flat=True))


def space_left(session: Session) -> int | None:
    """Places left in a group session (None: not a group session)."""
    if not session.group_id:
        return None
    return session.group.capacity - len(expected_clients(session))


# --- pages ----------------------------------------------------------------------------------


def client_upcoming(client: ClientProfile, *, now, days: int = 14) -> list[Session]:
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


def latest_tech_checks(client_ids: Iterable[int]) -> dict[int, TechCheck]:
    """Each client's most recent tech check, in one query."""
    ids = list(set(client_ids))
    if not ids:
        return {}
    rows = TechCheck.objects.filter(client_id__in=ids).order_by("client_id", "-checked_at", "-id")
    return {check.client_id: check for check in rows.distinct("client_id")}


def roster(session: Session) -> list[dict]:
    """Every expected client with their attendance and last tech check: the attendance page."""
    clients = expected_clients(session)
    attendance = {
        a.client_id: a
        for a in Attendance.objects.filter(session=session).select_related("outreach_message")
    }
    checks = latest_tech_checks(c.pk for c in clients)
    return [
        {"client": c, "attendance": attendance.get(c.pk), "tech_check": checks.get(c.pk)}
        for c in clients
    ]


def sessions_between(viewer: Any, first: date, last: date) -> QuerySet[Session]:
    return (
        sessions_visible_to(viewer)
        .filter(local_date__gte=first, local_date__lte=last)
        .select_related("group", "client__user", "facilitator", "program")
        .order_by("starts_at", "pk")
    )


def open_engagement_alerts(viewer: Any) -> QuerySet[EngagementAlert]:
    return (
        EngagementAlert.objects.filter(acknowledged_at__isnull=True)
        .filter(client__in=clients_visible_to(viewer).values("pk"))
        .select_related("client__user", "session")
        .order_by("-raised_at")
    )


def is_live(session: Session, now) -> bool:
    return session.status == SessionStatus.SCHEDULED and session.starts_at <= now < session.ends_at


def makeup_targets(client: ClientProfile, missed: Session, *, now, days: int = 21) -> list[Session]:
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
        if all(c.pk != client.pk for c in expected[s.pk]) and len(expected[s.pk]) < s.group.capacity
    ]


def calendar_sessions_for(user: User, *, now) -> list[Session]:
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


def attendance_of_sessions(sessions: Iterable[Session]) -> dict[tuple[int, int], Attendance]:
    """Attendance rows of these (already scoped) sessions by (session id, client id)."""
    rows = Attendance.objects.filter(session__in=[s.pk for s in sessions]).select_related(
        "outreach_message"
    )
    return {(a.session_id, a.client_id): a for a in rows}
