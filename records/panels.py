"""What the clinical record shows in the core's pages (iop/slots.py): "My treatment plan" in
the portal, "Treatment plan" on a client's record, and the dashboard's "Treatment plan reviews
due" (the clinician's caseload; the program's overdue ones for supervisors), and the export of
a client's signed record on their record."""

from __future__ import annotations

from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest

from iop import slots


def _is_client(user: Any) -> bool:
    return bool(getattr(user, "is_client", False))


def _is_clinical(user: Any) -> bool:
    return bool(getattr(user, "is_clinical", False))


def reviews_due_card(request: HttpRequest) -> dict[str, Any] | None:
    from records.selectors import plan_reviews_due_for

    if not _is_clinical(request.user):
        return None
    try:
        found = plan_reviews_due_for(request.user)
    except DatabaseError:  # a card must never take the dashboard down with it
        return None
    if not found.due and not found.overdue:
        return None
    return {"plan_reviews": found}


def register() -> None:
    slots.register_link(
        slots.PORTAL_NAV,
        slots.Link("records.plan", "My plan", "records:plan", order=30, shown_to=_is_client),
    )
    slots.register_link(
        slots.PORTAL_HOME_LINKS,
        slots.Link(
            "records.plan",
            "My treatment plan",
            "records:plan",
            order=30,
            shown_to=_is_client,
            description="your goals with your care team; review and sign a new version.",
        ),
    )
    slots.register_link(
        slots.STAFF_CLIENT_RECORD_LINKS,
        slots.Link(
            "records.plan", "Treatment plan", "records_staff:plan", order=15, shown_to=_is_clinical
        ),
    )
    slots.register_panel(
        slots.STAFF_DASHBOARD_TOP,
        slots.Panel(
            "records.plan_reviews",
            "records/staff/_reviews_due.html",
            reviews_due_card,
            order=40,
        ),
    )
    slots.register_link(
        slots.STAFF_CLIENT_RECORD_LINKS,
        slots.Link(
            "records.export",
            "Export signed plans and notes (PDF, for a records request)",
            "records_staff:client_export",
            order=60,
            shown_to=_is_clinical,
        ),
    )
