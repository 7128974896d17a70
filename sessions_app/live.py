"""Live updates: to the staff who run a session (the staff feed) and to a client's session page.

Both are sent after commit and never raise into the caller: the committed rows are the record,
the live update a courtesy on top.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from iop.realtime.publish import deliver, publish
from sessions_app.models import Attendance, Session

log = logging.getLogger(__name__)


def client_page_group(session_id: int, client_id: int) -> str:
    """The Channels group a client's open session page listens on."""
    return f"sessions.page.{session_id}.{client_id}"


def to_facilitators(
    session: Session,
    event: str,
    payload: dict[str, Any],
    *,
    user_ids: list[int] | None = None,
    audit: bool = True,
) -> None:
    """`user_ids`: the session's facilitators, when the caller already has them. `audit=False`
    only for a caller that records the deliveries itself, in one batch (audit_deliveries)."""
    from sessions_app.selectors import facilitator_ids

    if user_ids is None:
        user_ids = facilitator_ids(session)
    publish(event, {"session_id": session.pk, **payload}, user_ids=user_ids)
    client_id = payload.get("client_id")
    if audit and client_id is not None:
        audit_deliveries(user_ids, [client_id], event)


def audit_deliveries(user_ids: list[int], client_ids: list[int], event: str) -> None:
    """Live events naming clients are reads by each facilitator they reach: one select and one
    insert, in the caller's transaction, so the record and the events stand or fall together."""
    from iop.accounts.models import ClientProfile, User
    from iop.audit.services import access_record_deliveries

    if not user_ids or not client_ids:
        return
    people = list(User.objects.filter(pk__in=user_ids).only("pk", "email"))
    access_record_deliveries(
        [
            (person, ClientProfile(pk=client_id), event)  # only the client's id is recorded
            for client_id in client_ids
            for person in people
        ],
        object_type="realtime.live_event",
    )


def attendance_changed(attendance: Attendance, *, session: Session, client_name: str) -> None:
    to_facilitators(
        session,
        "attendance.changed",
        {
            "client_id": attendance.client_id,
            "status": attendance.status,
            "status_label": attendance.get_status_display(),
            "minutes": attendance.minutes_attended,
            "in_room": attendance.in_room,
            "title": f"{client_name}: {attendance.get_status_display().lower()} ({session.title})",
        },
    )


def to_client_page(session_id: int, client_id: int, message: dict[str, Any]) -> None:
    def send() -> None:
        try:
            deliver(
                [([client_page_group(session_id, client_id)], {"type": "page.event", **message})]
            )
        except Exception:  # noqa: BLE001 - the page update must never break the committed action
            log.exception("could not reach the session page of client %s", client_id)

    transaction.on_commit(send)
