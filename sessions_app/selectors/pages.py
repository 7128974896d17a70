"""What the pages read: the staff list and roster, the portal's rows, the make-up queue.
Each is scoped to the viewer and audit-logged where it shows health information."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Q

from iop.accounts.models import ClientProfile, Role
from iop.accounts.selectors import client_get_for
from iop.audit.models import Action
from iop.audit.services import access_record, access_record_list
from iop.viewer import Viewer
from sessions_app.models import (
    Attendance,
    AttendanceStatus,
    CalendarFeed,
    ChatMessage,
    MakeUpRequest,
    Session,
    SessionStatus,
    TechCheck,
)
from sessions_app.selectors.expected import (
    calendar_sessions_for,
    client_upcoming,
    expected_by_session,
    expected_clients,
)
from sessions_app.selectors.visibility import (
    chat_messages_visible_to,
    makeups_visible_to,
    session_get_for,
    sessions_between,
    tech_checks_visible_to,
)

MAKEUPS_PER_PAGE = 50
# A client may ask to make up a session after these results.


MAKEUP_AFTER = (
    AttendanceStatus.NO_SHOW,
    AttendanceStatus.TECHNICAL_ISSUE,
    AttendanceStatus.LEFT_EARLY,
)


TECH_CHECKS_SHOWN = 50


def latest_tech_checks(client_ids: Iterable[int]) -> dict[int, TechCheck]:
    """Each client's most recent tech check, in one query."""
    ids = list(set(client_ids))
    if not ids:
        return {}
    rows = TechCheck.objects.filter(client_id__in=ids).order_by("client_id", "-checked_at", "-id")
    return {check.client_id: check for check in rows.distinct("client_id")}


def tech_checks_recent(client_id: int, *, limit: int = 10) -> list[TechCheck]:
    """A client's latest tech checks, newest first, for a caller that has already scoped the
    client (support's ticket page: agents see tech data through the tickets they work)."""
    return list(
        TechCheck.objects.filter(client_id=client_id).order_by("-checked_at", "-id")[:limit]
    )


def roster(session: Session) -> list[dict[str, Any]]:
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


def is_live(session: Session, now: datetime) -> bool:
    return session.status == SessionStatus.SCHEDULED and session.starts_at <= now < session.ends_at


def session_page_for(viewer: Viewer, client: ClientProfile, session_id: int) -> Session:
    """One of the client's sessions, for their session page (audited; else DoesNotExist)."""
    session = session_get_for(viewer, session_id)
    access_record(actor=viewer, action=Action.VIEW, client=client, obj=session)
    return session


def sessions_upcoming_for(
    viewer: Viewer, client: ClientProfile, *, now: datetime, days: int = 14
) -> list[Session]:
    """The client's sessions from today on, for their portal (audited)."""
    upcoming = client_upcoming(client, now=now, days=days)
    access_record(actor=viewer, action=Action.VIEW, client=client, object_type="sessions.Session")
    return upcoming


def session_rows_between(viewer: Viewer, first: date, last: date) -> list[dict[str, Any]]:
    """The staff list: each session the viewer may see, its expected count and attendance tally
    (keyed by the status in words: "No-show", never "no_show")."""
    sessions = list(sessions_between(viewer, first, last))
    expected = expected_by_session(sessions)
    shown = {c.pk: c for clients in expected.values() for c in clients}
    access_record_list(actor=viewer, clients=shown.values(), object_type="sessions.Session list")
    counts: dict[int, dict[str, int]] = {}
    # The sessions are the viewer's already; their attendance needs no second scoping.
    for attendance in Attendance.objects.filter(session__in=[s.pk for s in sessions]).only(
        "session_id", "derived_status", "corrected_status"
    ):
        tally = counts.setdefault(attendance.session_id, {})
        label = AttendanceStatus(attendance.status).label
        tally[label] = tally.get(label, 0) + 1
    return [
        {"session": s, "expected": len(expected[s.pk]), "counts": counts.get(s.pk, {})}
        for s in sessions
    ]


def roster_for(viewer: Viewer, session: Session) -> list[dict[str, Any]]:
    """The attendance page: the roster with each client's chat (audited)."""
    rows = roster(session)
    access_record_list(
        actor=viewer, clients=[r["client"] for r in rows], object_type="sessions.Attendance"
    )
    chats: dict[int, list[ChatMessage]] = {}
    for message in chat_messages_visible_to(viewer).filter(session=session):
        chats.setdefault(message.client_id, []).append(message)
    for row in rows:
        row["chat"] = chats.get(row["client"].pk, [])
    return rows


def chat_of(viewer: Viewer, session: Session, client: ClientProfile) -> list[ChatMessage]:
    """One client's text chat with the facilitators of a session."""
    return list(chat_messages_visible_to(viewer).filter(session=session, client=client))


def tech_checks_of_client(viewer: Viewer, client_id: int) -> tuple[ClientProfile, list[TechCheck]]:
    """A client's recent tech checks, for staff (audited); ClientProfile.DoesNotExist when the
    viewer may see neither the client nor any of their checks."""
    checks = list(tech_checks_visible_to(viewer).filter(client_id=client_id)[:TECH_CHECKS_SHOWN])
    client = checks[0].client if checks else client_get_for(viewer, client_id, audit=False)
    access_record(actor=viewer, action=Action.VIEW, client=client, object_type="sessions.TechCheck")
    return client, checks


def makeups_page_for(viewer: Viewer, page_number: str | None) -> Page[MakeUpRequest]:
    """A page of the make-up requests the viewer may see, newest first (audited)."""
    rows = makeups_visible_to(viewer).order_by("-requested_at", "-id")
    page = Paginator(rows, MAKEUPS_PER_PAGE).get_page(page_number)
    access_record_list(
        actor=viewer,
        clients={m.client_id: m.client for m in page}.values(),
        object_type="sessions.MakeUpRequest",
    )
    return page


def may_ask_for_makeup(
    session: Session,
    attendance: Attendance | None,
    makeup: MakeUpRequest | None,
    *,
    now: datetime,
) -> bool:
    """A client may ask to make up a group session that is over and that they missed, left early
    or had technical trouble in, unless they already asked."""
    return (
        session.ends_at <= now
        and session.status == SessionStatus.SCHEDULED
        and session.is_group
        and makeup is None
        and (
            attendance is None
            or attendance.status in MAKEUP_AFTER
            or attendance.reported_tech_issue
        )
    )


def attendance_of_sessions(sessions: Iterable[Session]) -> dict[tuple[int, int], Attendance]:
    """Attendance rows of these (already scoped) sessions by (session id, client id)."""
    rows = Attendance.objects.filter(session__in=[s.pk for s in sessions]).select_related(
        "outreach_message"
    )
    return {(a.session_id, a.client_id): a for a in rows}


def calendar_of(feed: CalendarFeed, *, now: datetime) -> list[Session]:
    """The sessions a private calendar address shows its owner (audited: the address is the
    credential, so each fetch is recorded as a read by the feed's owner)."""
    sessions = calendar_sessions_for(feed.user, now=now)
    ids = {s.client_id for s in sessions if s.client_id is not None}
    clients = ClientProfile.objects.filter(
        Q(pk__in=ids) | Q(user=feed.user, user__role=Role.CLIENT)
    )
    access_record_list(actor=feed.user, clients=list(clients), object_type="sessions.ical")
    return sessions
