"""What session notes show in the core's pages (iop/slots.py): "Write notes" on a staff session
page, unsigned notes past 72 hours and notes awaiting co-signature on the staff dashboard, and
"My session notes" in the client portal."""

from __future__ import annotations

from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest
from django.utils import timezone

from iop import slots

SHOWN = 20


def _is_client(user: Any) -> bool:
    return bool(getattr(user, "is_client", False))


def session_panel(request: HttpRequest, session: Any) -> dict[str, Any] | None:
    """Counts only (the page already names the roster); for clinical staff, once it started."""
    from records.selectors import session_note_counts

    if not getattr(request.user, "is_clinical", False) or session.starts_at > timezone.now():
        return None
    try:
        counts = session_note_counts(session)
    except DatabaseError:  # a panel must never take the session page down with it
        return None
    return {"notes_panel": {"session_id": session.pk, **counts}}


def notes_due(request: HttpRequest) -> dict[str, Any] | None:
    """A clinician's own drafts past 72 hours; a supervisor's program's, and notes awaiting
    their co-signature. Hidden when there is nothing to do."""
    from records.selectors import note_list_audit, notes_awaiting_cosign, notes_unsigned_overdue

    if not getattr(request.user, "is_clinical", False):
        return None
    try:
        overdue = list(
            notes_unsigned_overdue(request.user, now=timezone.now()).order_by("session__ends_at")[
                :SHOWN
            ]
        )
        cosign = list(notes_awaiting_cosign(request.user).order_by("signed_at")[:SHOWN])
    except DatabaseError:  # a card must never take the dashboard down with it
        return None
    if not overdue and not cosign:
        return None
    note_list_audit(request.user, overdue + cosign)
    return {"notes_due": {"overdue": overdue, "cosign": cosign}}


def register() -> None:
    slots.register_panel(
        slots.STAFF_SESSION,
        slots.Panel("records.notes", "records/staff/_session_panel.html", session_panel, order=5),
    )
    slots.register_panel(
        slots.STAFF_DASHBOARD_TOP,
        slots.Panel("records.notes_due", "records/staff/_notes_due.html", notes_due, order=30),
    )
    slots.register_link(
        slots.PORTAL_NAV,
        slots.Link("records.notes", "My notes", "records:notes", order=60, shown_to=_is_client),
    )
