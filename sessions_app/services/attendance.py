"""Attendance events in, derived attendance out; staff corrections; finalising a session."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from iop.accounts.models import ClientProfile
from iop.audit.models import Action
from iop.audit.services import access_record
from iop.domain import Conflict, DomainError, NotAllowed
from iop.viewer import Actor, accountable_user_of
from sessions_app import attendance_rules
from sessions_app.live import attendance_changed
from sessions_app.models import (
    Attendance,
    AttendanceCorrection,
    AttendanceEvent,
    AttendanceEventSource,
    AttendanceStatus,
    EventKind,
    Presence,
    ProgramSessionSettings,
    Session,
    SessionStatus,
)
from sessions_app.models.attendance import CLOSING_EVENTS, CORRECTABLE, OPENING_EVENTS
from sessions_app.selectors import expected_clients, is_expected, program_settings
from sessions_app.services.access import require_manage_session
from sessions_app.services.room import room_presence_recorded

if TYPE_CHECKING:
    from sessions_app.video import ProviderEvent

# Events may arrive a little after the end (a leave as the room closes, a late webhook).
LATE_EVENT_MARGIN = timedelta(minutes=30)

log = logging.getLogger(__name__)

# Apps above sessions hear attendance results after they commit (recordings offers a catch-up
# recording to a client who missed with a technical issue). A listener is called as
# listener(session=, client_id=, status=) for a recorded event's, a correction's and the
# finalised results; one that raises is logged and skipped. Sessions never imports them.
AttendanceListener = Callable[..., None]
_attendance_listeners: dict[str, AttendanceListener] = {}


def attendance_listener_register(name: str, listener: AttendanceListener) -> None:
    """Add (or replace, so `ready()` may run twice) who hears of attendance results."""
    _attendance_listeners[name] = listener


def attendance_listener_unregister(name: str) -> None:
    _attendance_listeners.pop(name, None)


def attendance_settled(session: Session, attendances: Iterable[Attendance]) -> None:
    """After commit, tell the listeners each client's attendance result."""
    results = [(a.client_id, a.status) for a in attendances]
    if not results or not _attendance_listeners:
        return

    def tell() -> None:
        for name, listener in list(_attendance_listeners.items()):
            for client_id, status in results:
                try:
                    listener(session=session, client_id=client_id, status=status)
                except Exception:  # noqa: BLE001 - the attendance is recorded; a listener failing
                    log.exception("the %s attendance listener failed", name)

    transaction.on_commit(tell)


def timing_for(session: Session, row: ProgramSessionSettings) -> attendance_rules.Timing:
    return attendance_rules.Timing(
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        grace=timedelta(minutes=row.missed_grace_minutes),
        late_after=timedelta(minutes=row.late_after_minutes),
        left_early=timedelta(minutes=row.left_early_minutes),
    )


def attendance_recompute(
    session: Session,
    client: ClientProfile,
    *,
    now: datetime,
    row: ProgramSessionSettings | None = None,
) -> tuple[Attendance, bool]:
    """Derive the client's attendance from their events; returns (attendance, did it change?)."""
    row = row or program_settings(session.program_id)
    events = [
        attendance_rules.Event(kind, at)
        for kind, at in AttendanceEvent.objects.filter(session=session, client=client).values_list(
            "kind", "at"
        )
    ]
    result = attendance_rules.derive(events, timing_for(session, row), now)
    attendance, created = Attendance.objects.select_for_update().get_or_create(
        session=session,
        client=client,
        defaults={"session_starts_at": session.starts_at, "derived_status": result.status},
    )
    before = (attendance.status, attendance.minutes_attended, attendance.in_room)
    attendance.session_starts_at = session.starts_at
    attendance.derived_status = result.status
    attendance.derived_minutes = result.minutes
    if not attendance.corrected_status:
        attendance.minutes_attended = result.minutes
    attendance.first_joined_at = result.first_joined_at
    attendance.last_left_at = result.last_left_at
    attendance.in_room = result.in_room
    attendance.reported_tech_issue = result.reported_tech_issue
    attendance.save()
    after = (attendance.status, attendance.minutes_attended, attendance.in_room)
    return attendance, created or before != after


def _last_opening_or_closing(session: Session, client: ClientProfile) -> str | None:
    return (
        AttendanceEvent.objects.filter(
            session=session, client=client, kind__in=[*OPENING_EVENTS, *CLOSING_EVENTS]
        )
        .order_by("-at", "-id")
        .values_list("kind", flat=True)
        .first()
    )


def attendance_event_record(
    *,
    actor: Actor,
    session: Session,
    client: ClientProfile,
    kind: str,
    source: str,
    at: datetime | None = None,
    detail: str = "",
) -> AttendanceEvent | None:
    """Record a join, leave, disconnect or technical issue and re-derive the attendance.

    A join after an earlier one is recorded as a rejoin; a leave or disconnect while not in
    the room (a page closing after "Leave") is ignored and returns None.
    """
    now = timezone.now()
    at = at or now
    if kind not in EventKind.values:
        raise ValidationError({"kind": [f"Choose one of: {', '.join(EventKind.values)}."]})
    if not is_expected(session, client):
        raise NotAllowed("This client is not expected at this session.")
    opens = session.starts_at - timedelta(minutes=settings.SESSIONS_JOIN_OPENS_MINUTES)
    if kind in OPENING_EVENTS and not opens <= at < session.ends_at:
        raise Conflict("This session is not open to join now.")
    if not opens <= at <= session.ends_at + LATE_EVENT_MARGIN:
        raise Conflict("That time is outside this session.")
    with transaction.atomic():
        session = (
            Session.objects.select_for_update(of=("self",))
            .select_related("program", "group")
            .get(pk=session.pk)
        )
        if session.status == SessionStatus.CANCELLED:
            raise Conflict("This session was cancelled.")
        last = _last_opening_or_closing(session, client)
        if kind in OPENING_EVENTS:
            if last in OPENING_EVENTS:
                return None  # already in the room (a second tab, or a webhook after the page)
            kind = EventKind.REJOIN if last is not None else EventKind.JOIN
        elif kind in CLOSING_EVENTS and last not in OPENING_EVENTS:
            return None
        event = AttendanceEvent.objects.create(
            session=session, client=client, kind=kind, source=source, at=at, detail=detail[:200]
        )
        if kind in OPENING_EVENTS and source == AttendanceEventSource.PRESENCE:
            # Only the session page sends heartbeats, so only its joins are watched for silence.
            Presence.objects.update_or_create(
                session=session, client=client, defaults={"in_room": True, "last_seen_at": now}
            )
        elif kind in CLOSING_EVENTS:
            Presence.objects.filter(session=session, client=client).update(
                in_room=False, last_seen_at=now
            )
        attendance, _ = attendance_recompute(session, client, now=now)
        access_record(actor=actor, action=Action.CREATE, client=client, obj=event)
        attendance_changed(attendance, session=session, client_name=client.user.display_name)
        attendance_settled(session, [attendance])
        if kind in OPENING_EVENTS or kind in CLOSING_EVENTS:
            room_presence_recorded(
                session=session, user_id=client.user_id, joined=kind in OPENING_EVENTS, at=at
            )
    return event


def presence_heartbeat(*, session_id: int, client_id: int, now: datetime | None = None) -> bool:
    """The page says the client is still in the room; False if Harbor thinks they are not."""
    return bool(
        Presence.objects.filter(session_id=session_id, client_id=client_id, in_room=True).update(
            last_seen_at=now or timezone.now()
        )
    )


def attendance_correct(
    *,
    actor: Actor,
    attendance: Attendance,
    status: str,
    reason: str,
    minutes_attended: int | None = None,
) -> Attendance:
    """A facilitator sets the attendance result, with a reason; the derived one is kept."""
    session = attendance.session
    require_manage_session(actor, session)
    errors: dict[str, list[str]] = {}
    if status not in dict(CORRECTABLE):
        errors["status"] = [f"Choose one of: {', '.join(dict(CORRECTABLE))}."]
    if not (reason or "").strip():
        errors["reason"] = ["Say why the attendance is being corrected."]
    if minutes_attended is not None and not 0 <= minutes_attended <= session.duration_minutes:
        errors["minutes_attended"] = [f"Between 0 and {session.duration_minutes} minutes."]
    if errors:
        raise ValidationError(errors)
    if session.starts_at > timezone.now():
        raise Conflict("Attendance can be corrected once the session has started.")
    user = accountable_user_of(actor)
    if user is None:
        raise NotAllowed("This API key has no owner to record the correction as.")
    with transaction.atomic():
        attendance = (
            Attendance.objects.select_for_update()
            .select_related("client__user")
            .get(pk=attendance.pk)
        )
        previous = (attendance.status, attendance.minutes_attended)
        attendance.corrected_status = status
        if minutes_attended is not None:
            attendance.minutes_attended = minutes_attended
        elif status in (AttendanceStatus.NO_SHOW, AttendanceStatus.EXCUSED):
            attendance.minutes_attended = 0
        attendance.correction_reason = reason.strip()[:300]
        attendance.corrected_by = user
        attendance.corrected_at = timezone.now()
        attendance.save()
        AttendanceCorrection.objects.create(
            attendance=attendance,
            previous_status=previous[0],
            status=status,
            previous_minutes=previous[1],
            minutes_attended=attendance.minutes_attended,
            reason=attendance.correction_reason,
            corrected_by=user,
        )
        access_record(actor=actor, action=Action.UPDATE, client=attendance.client, obj=attendance)
        attendance_changed(
            attendance, session=session, client_name=attendance.client.user.display_name
        )
        attendance_settled(session, [attendance])
    return attendance


def attendance_open_for_correction(
    *, actor: Actor, session: Session, client: ClientProfile
) -> Attendance:
    """Before a facilitator corrects a client who has no attendance row yet, the row is derived
    from the client's events (only by someone who runs the session)."""
    require_manage_session(actor, session)
    if not is_expected(session, client):
        raise NotAllowed("That client is not expected at this session.")
    with transaction.atomic():
        existed = Attendance.objects.filter(session=session, client=client).exists()
        attendance, _ = attendance_recompute(session, client, now=timezone.now())
        access_record(
            actor=actor,
            action=Action.UPDATE if existed else Action.CREATE,
            client=client,
            obj=attendance,
        )
    return attendance


def provider_events_record(*, events: Iterable[ProviderEvent]) -> int:
    """The video provider's participant events become attendance events. Each is recorded on its
    own, so an event about an unknown room or person, or one the rules refuse, skips only itself."""
    recorded = 0
    for event in events:
        session = (
            Session.objects.select_related("program", "group")
            .filter(room_name=event.room_name)
            .first()
        )
        client = ClientProfile.objects.select_related("user").filter(user_id=event.user_id).first()
        if session is None or client is None:
            continue
        try:
            done = attendance_event_record(
                actor=None,
                session=session,
                client=client,
                kind=event.kind,
                source=AttendanceEventSource.WEBHOOK,
                at=event.at,
            )
        except DomainError:
            continue
        recorded += done is not None
    return recorded


def attendance_for_expected(session: Session, *, now: datetime) -> list[Attendance]:
    """Attendance of every expected client (rows made for those who never joined)."""
    row = program_settings(session.program_id)
    return [
        attendance_recompute(session, c, now=now, row=row)[0] for c in expected_clients(session)
    ]


def session_finalise(*, session: Session, now: datetime | None = None) -> list[Attendance]:
    """After the end: every expected client's attendance is derived one last time and fixed."""
    now = now or timezone.now()
    with transaction.atomic():
        session = (
            Session.objects.select_for_update(of=("self",))
            .select_related("program", "group")
            .get(pk=session.pk)
        )
        if session.finalised_at is not None or session.status == SessionStatus.CANCELLED:
            return []
        final_moment = max(now, session.ends_at)
        rows = attendance_for_expected(session, now=final_moment)
        Attendance.objects.filter(pk__in=[a.pk for a in rows]).update(is_final=True, in_room=False)
        Presence.objects.filter(session=session).update(in_room=False)
        session.finalise_due_at = None
        session.finalised_at = now
        session.save(update_fields=["finalise_due_at", "finalised_at"])
        for attendance in rows:
            attendance.is_final, attendance.in_room = True, False
            access_record(
                actor=None, action=Action.UPDATE, client=attendance.client, obj=attendance
            )
        attendance_settled(session, rows)
    return rows
