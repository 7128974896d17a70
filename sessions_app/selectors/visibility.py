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
from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet

from iop.accounts.models import CLINICAL_ROLES, ClientProfile, Program, Role, StaffProfile, User
from iop.accounts.selectors import clients_visible_to
from iop.api.models import hash_secret
from iop.viewer import Viewer, api_key_of, person_of
from sessions_app.models import (
    Attendance,
    CalendarFeed,
    ChatMessage,
    EngagementAlert,
    Enrolment,
    Group,
    MakeUpRequest,
    MakeUpStatus,
    ProgramSessionSettings,
    ReminderPreference,
    Session,
    TechCheck,
)


def _active_person(viewer: Viewer) -> User | None:
    """The signed-in, active person behind the viewer; None for an API key or a visitor."""
    person = person_of(viewer)
    return person if person is not None and person.is_active else None


def _client_user(viewer: Viewer) -> User | None:
    """The viewer when they are a signed-in client (who sees only their own rows)."""
    person = _active_person(viewer)
    return person if person is not None and person.role == Role.CLIENT else None


def program_settings(program: Program | int) -> ProgramSessionSettings:
    """The program's settings row, or the defaults (unsaved) when it has none."""
    program_id = program if isinstance(program, int) else program.pk
    found = ProgramSessionSettings.objects.filter(program_id=program_id).first()
    return found or ProgramSessionSettings(program_id=program_id)


def zone_of(program: Program) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(program.time_zone)


def supervised_program_ids(user: User) -> QuerySet[StaffProfile, int]:
    return StaffProfile.objects.filter(user=user).values_list("program_id", flat=True)


def client_expected_q(client: ClientProfile) -> Q:
    """Sessions this client is expected at, as a filter on Session."""
    enrolled = Enrolment.objects.filter(
        client=client, group=OuterRef("group"), starts_on__lte=OuterRef("local_date")
    ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=OuterRef("local_date")))
    made_up = MakeUpRequest.objects.filter(client=client, status=MakeUpStatus.APPROVED).values(
        "target_session_id"
    )
    return Q(client=client) | Q(Exists(enrolled), group__isnull=False) | Q(pk__in=made_up)


def sessions_visible_to(viewer: Viewer) -> QuerySet[Session]:
    base = Session.objects.all()
    key = api_key_of(viewer)
    if key is not None:
        return base.filter(program_id=key.program_id)
    person = _active_person(viewer)
    if person is None:
        return base.none()
    if person.role == Role.CLIENT:
        client = ClientProfile.objects.filter(user=person).first()
        return base.filter(client_expected_q(client)) if client else base.none()
    if person.role == Role.CLINICIAN:
        groups = Group.objects.filter(facilitators=person).values("pk")
        return base.filter(Q(facilitator=person) | Q(group_id__in=groups))
    if person.role == Role.SUPERVISOR:
        return base.filter(program_id__in=supervised_program_ids(person))
    if person.role == Role.ADMIN:
        return base
    return base.none()


def session_get_for(viewer: Viewer, session_id: int) -> Session:
    """One session the viewer may see (else Session.DoesNotExist)."""
    return (
        sessions_visible_to(viewer)
        .select_related("program", "group", "client__user", "facilitator", "series")
        .get(pk=session_id)
    )


def sessions_between(viewer: Viewer, first: date, last: date) -> QuerySet[Session]:
    return (
        sessions_visible_to(viewer)
        .filter(local_date__gte=first, local_date__lte=last)
        .select_related("group", "client__user", "facilitator", "program")
        .order_by("starts_at", "pk")
    )


def groups_visible_to(viewer: Viewer) -> QuerySet[Group]:
    base = Group.objects.select_related("program")
    key = api_key_of(viewer)
    if key is not None:
        return base.filter(program_id=key.program_id)
    person = _active_person(viewer)
    if person is None:
        return base.none()
    if person.role == Role.CLIENT:
        return base.filter(enrolments__client__user=person).distinct()
    if person.role == Role.CLINICIAN:
        return base.filter(facilitators=person)
    if person.role == Role.SUPERVISOR:
        return base.filter(program_id__in=supervised_program_ids(person))
    if person.role == Role.ADMIN:
        return base
    return base.none()


def facilitators_visible_to(viewer: Viewer) -> QuerySet[User]:
    """Clinical staff the viewer may name as a facilitator: a key's program's, a staff member's
    programs', anyone's for an admin; nobody for a client or a support agent."""
    base = User.objects.filter(is_active=True, role__in=CLINICAL_ROLES)
    key = api_key_of(viewer)
    if key is not None:
        programs = StaffProfile.objects.filter(program_id=key.program_id)
    else:
        person = _active_person(viewer)
        if person is None or person.role not in CLINICAL_ROLES:
            return base.none()
        if person.role == Role.ADMIN:
            return base
        programs = StaffProfile.objects.filter(program_id__in=supervised_program_ids(person))
    return base.filter(pk__in=programs.values("user_id"))


def enrolments_visible_to(viewer: Viewer) -> QuerySet[Enrolment]:
    base = Enrolment.objects.select_related("group", "client__user")
    own = _client_user(viewer)
    if own is not None:
        return base.filter(client__user=own)
    return base.filter(group__in=groups_visible_to(viewer).values("pk"))


def attendance_visible_to(viewer: Viewer) -> QuerySet[Attendance]:
    base = Attendance.objects.select_related("session", "client__user")
    own = _client_user(viewer)
    if own is not None:
        return base.filter(client__user=own)
    return base.filter(session__in=sessions_visible_to(viewer).values("pk"))


def attendance_get_for(viewer: Viewer, attendance_id: int) -> Attendance:
    """One attendance row of a session the viewer may see (else Attendance.DoesNotExist)."""
    return (
        attendance_visible_to(viewer)
        .select_related("session__group", "session__program")
        .get(pk=attendance_id)
    )


def attendance_at(viewer: Viewer, session: Session, client: ClientProfile) -> Attendance | None:
    """The client's attendance at the session so far, if any (and if the viewer may see it)."""
    return attendance_visible_to(viewer).filter(session=session, client=client).first()


def tech_checks_visible_to(viewer: Viewer) -> QuerySet[TechCheck]:
    """A client's own checks; staff see those of clients they may see or whose group they run."""
    base = TechCheck.objects.select_related("client__user")
    own = _client_user(viewer)
    if own is not None:
        return base.filter(client__user=own)
    person = _active_person(viewer)
    if person is not None and person.role == Role.CLINICIAN:
        groups = Group.objects.filter(facilitators=person).values("pk")
        in_groups = Enrolment.objects.filter(group_id__in=groups).values("client_id")
        return base.filter(
            Q(client__in=clients_visible_to(viewer).values("pk")) | Q(client_id__in=in_groups)
        )
    return base.filter(client__in=clients_visible_to(viewer).values("pk"))


def tech_check_latest_for(viewer: Viewer, client: ClientProfile) -> TechCheck | None:
    return tech_checks_visible_to(viewer).filter(client=client).first()


def makeups_visible_to(viewer: Viewer) -> QuerySet[MakeUpRequest]:
    base = MakeUpRequest.objects.select_related(
        "client__user", "missed_session", "target_session", "requested_by", "decided_by"
    )
    own = _client_user(viewer)
    if own is not None:
        return base.filter(client__user=own)
    visible = sessions_visible_to(viewer).values("pk")
    return base.filter(Q(target_session__in=visible) | Q(missed_session__in=visible))


def makeup_get_for(viewer: Viewer, makeup_id: int) -> MakeUpRequest:
    """One make-up request the viewer may see (else MakeUpRequest.DoesNotExist)."""
    return makeups_visible_to(viewer).get(pk=makeup_id)


def makeup_offers_visible_to(viewer: Viewer) -> QuerySet[MakeUpRequest]:
    """Make-ups staff offered that wait for the client's answer, soonest first."""
    return (
        makeups_visible_to(viewer)
        .filter(status=MakeUpStatus.OFFERED)
        .order_by("target_session__starts_at")
    )


def makeup_for_missed(
    viewer: Viewer, client: ClientProfile, missed: Session
) -> MakeUpRequest | None:
    """The client's latest make-up for a session they missed, unless it was declined."""
    return (
        makeups_visible_to(viewer)
        .filter(client=client, missed_session=missed)
        .exclude(status=MakeUpStatus.DECLINED)
        .first()
    )


def chat_messages_visible_to(viewer: Viewer) -> QuerySet[ChatMessage]:
    """A client's own chat lines; staff see the chat of the sessions they may see."""
    base = ChatMessage.objects.select_related("sender")
    own = _client_user(viewer)
    if own is not None:
        return base.filter(client__user=own)
    return base.filter(session__in=sessions_visible_to(viewer).values("pk"))


def open_engagement_alerts(viewer: Viewer) -> QuerySet[EngagementAlert]:
    return (
        EngagementAlert.objects.filter(acknowledged_at__isnull=True)
        .filter(client__in=clients_visible_to(viewer).values("pk"))
        .select_related("client__user", "session")
        .order_by("-raised_at")
    )


def engagement_alert_get_for(viewer: Viewer, alert_id: int) -> EngagementAlert:
    """One open engagement alert about a client the viewer may see (else DoesNotExist)."""
    return open_engagement_alerts(viewer).get(pk=alert_id)


def reminder_preference_of(viewer: Viewer) -> ReminderPreference | None:
    """The signed-in client's own reminder settings, if they saved any."""
    person = _active_person(viewer)
    if person is None:
        return None
    return ReminderPreference.objects.filter(client__user=person).first()


def calendar_feed_by_token(token: str) -> CalendarFeed | None:
    """The feed a private calendar address names (the token is the credential; no viewer)."""
    feed = CalendarFeed.objects.select_related("user").filter(token_hash=hash_secret(token)).first()
    return feed if feed is not None and feed.user.is_active else None
