"""What the IOP hours show in the core's pages (iop/slots.py): a client's weekly hours on
the portal home, on the staff caseload and on a client's record; the weekly hours report link."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from iop import slots
from iop.accounts.models import ClientProfile
from iop.accounts.selectors import client_profile_of
from iop.viewer import person_of
from records.selectors.hours import client_hours_for, hours_clients_for, weekly_hours_for

CASELOAD_LIMIT = 200


def _is_clinical(user: Any) -> bool:
    return bool(getattr(user, "is_clinical", False))


def portal_hours(request: HttpRequest) -> dict[str, Any] | None:
    """'You've attended 6 of 9 hours this week', and the weeks before."""
    user = person_of(request.user)
    client = client_profile_of(user) if user is not None else None
    if user is None or client is None:
        return None
    found = client_hours_for(user, client)
    return {"hours": found} if found is not None else None


def caseload_hours(request: HttpRequest) -> dict[str, Any] | None:
    """Hours this week for each client of the caseload, those below the minimum marked."""
    user = person_of(request.user)
    if user is None or not user.is_clinical:
        return None
    clients = hours_clients_for(user, limit=CASELOAD_LIMIT)
    return {"rows": weekly_hours_for(user, clients)}


def client_record_hours(request: HttpRequest, client: ClientProfile) -> dict[str, Any] | None:
    """A client's record: this week and the 4 before, against the program's minimum."""
    user = person_of(request.user)
    if user is None or not user.is_clinical:
        return None
    found = client_hours_for(user, client)
    return {"hours": found} if found is not None else None


def register() -> None:
    slots.register_panel(
        slots.PORTAL_HOME,
        slots.Panel("records.hours", "records/portal/_hours.html", portal_hours, order=20),
    )
    slots.register_panel(
        slots.STAFF_CASELOAD,
        slots.Panel(
            "records.hours", "records/staff/_caseload_hours.html", caseload_hours, order=200
        ),
    )
    slots.register_panel(
        slots.STAFF_CLIENT_RECORD,
        slots.Panel("records.hours", "records/staff/_client_hours.html", client_record_hours),
    )
    slots.register_link(
        slots.STAFF_DASHBOARD_LINKS,
        slots.Link(
            "records.hours",
            "Weekly hours report",
            "records_staff:hours",
            order=40,
            shown_to=_is_clinical,
        ),
    )
