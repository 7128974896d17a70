"""What care-team threads show in the core's pages (iop/slots.py): "Messages" in the client
portal's menu and home, the staff inbox in the staff menu, the dashboard's links and a card of
counts, and "Write a secure message" on a client's record."""

from __future__ import annotations

from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest

from iop import slots


def _is_client(user: Any) -> bool:
    return bool(getattr(user, "is_client", False))


def _is_clinical(user: Any) -> bool:
    return bool(getattr(user, "is_clinical", False))


def inbox_card(request: HttpRequest) -> dict[str, Any] | None:
    from messaging.selectors import unread_summary_for

    if not _is_clinical(request.user):
        return None
    try:
        unread, waiting = unread_summary_for(request.user)
    except DatabaseError:  # a card must never take the dashboard down with it
        return None
    return {"messaging": {"unread": unread, "waiting": waiting}}


def register() -> None:
    slots.register_link(
        slots.PORTAL_NAV,
        slots.Link(
            "messaging.threads", "Messages", "messaging:threads", order=20, shown_to=_is_client
        ),
    )
    slots.register_link(
        slots.PORTAL_HOME_LINKS,
        slots.Link(
            "messaging.threads",
            "Messages with your care team",
            "messaging:threads",
            order=20,
            shown_to=_is_client,
            description="write to your care team; read during clinic hours, not for emergencies.",
        ),
    )
    slots.register_link(
        slots.STAFF_NAV,
        slots.Link(
            "messaging", "Messages", "messaging_staff:inbox", order=35, shown_to=_is_clinical
        ),
    )
    slots.register_link(
        slots.STAFF_DASHBOARD_LINKS,
        slots.Link(
            "messaging.inbox",
            "Secure messages",
            "messaging_staff:inbox",
            order=15,
            shown_to=_is_clinical,
        ),
    )
    slots.register_link(
        slots.STAFF_CLIENT_RECORD_LINKS,
        slots.Link("messaging.new", "Write a secure message", "messaging_staff:new", order=25),
    )
    slots.register_panel(
        slots.STAFF_DASHBOARD,
        slots.Panel("messaging.inbox", "messaging/staff/_inbox_card.html", inbox_card, order=15),
    )
