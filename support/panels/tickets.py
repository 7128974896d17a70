"""What support shows in the core's pages (iop/slots.py): links to the desk and to "Get tech
help", the desk's counts on the staff dashboard, on a staff session page "client X reported a
connection problem", and on a client's session page the ticket their "I can't connect" opened."""

from __future__ import annotations

from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest

from iop import slots
from iop.accounts.selectors import client_profile_of
from support import selectors


def _agent(user: Any) -> bool:
    return selectors.is_agent(user)


def _metrics(user: Any) -> bool:
    return selectors.may_see_metrics(user)


def _staff_requester(user: Any) -> bool:
    return bool(getattr(user, "is_staff_member", False)) and not selectors.is_agent(user)


def desk_counts(request: HttpRequest) -> dict[str, Any] | None:
    if not selectors.is_agent(request.user):
        return None
    return {"counts": selectors.queue_counts_for(request.user)}


def session_reports(request: HttpRequest, session: Any = None) -> dict[str, Any] | None:
    if session is None:
        return None
    try:
        reports = selectors.session_reports_for(request.user, session)
    except DatabaseError:  # a panel must never take the session page down with it
        return None
    return {"reports": reports} if reports else None


def session_ticket(request: HttpRequest, session: Any = None) -> dict[str, Any] | None:
    user = request.user
    client = client_profile_of(user) if session is not None and user.is_authenticated else None
    if client is None:
        return None
    ticket = selectors.session_ticket_of(user, client, session)
    return {"ticket": ticket} if ticket is not None else None


def register() -> None:
    slots.register_link(
        slots.PORTAL_NAV,
        slots.Link("support.tickets", "Tech help", "support:tickets", order=60),
    )
    slots.register_link(
        slots.STAFF_NAV,
        slots.Link(
            "support.queue", "Support queue", "support_staff:queue", order=40, shown_to=_agent
        ),
    )
    slots.register_link(
        slots.STAFF_NAV,
        slots.Link("support.chats", "Live chat", "support_staff:chats", order=41, shown_to=_agent),
    )
    slots.register_link(
        slots.STAFF_NAV,
        slots.Link(
            "support.metrics",
            "Support metrics",
            "support_staff:metrics",
            order=45,
            shown_to=_metrics,
        ),
    )
    slots.register_link(
        slots.STAFF_DASHBOARD_LINKS,
        slots.Link(
            "support.help", "Get tech help", "support:tickets", order=90, shown_to=_staff_requester
        ),
    )
    slots.register_panel(
        slots.STAFF_DASHBOARD,
        slots.Panel("support.desk", "support/staff/_dashboard_panel.html", desk_counts, order=5),
    )
    slots.register_panel(
        slots.STAFF_SESSION,
        slots.Panel("support.reports", "support/staff/_session_reports.html", session_reports),
    )
    slots.register_panel(
        slots.PORTAL_SESSION,
        slots.Panel("support.ticket", "support/portal/_session_ticket.html", session_ticket),
    )
