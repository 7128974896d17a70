"""What crisis shows in the core's pages (iop/slots.py): the help button in every client page's
help bar, the crisis banner on every staff page, and links to the crisis pages."""

from __future__ import annotations

from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest
from django.utils import timezone

from crisis.selectors import (
    CASELOAD_ORDERS,
    BannerEvents,
    acknowledgement_times_for,
    banner_events_for,
    caseload_by_risk,
    crisis_event_unresolved_for,
    open_crises_for,
)
from crisis.services.timeline import event_payload
from iop import slots
from iop.accounts.models import Role
from iop.accounts.selectors import client_profile_of

OVERSEERS = (Role.SUPERVISOR, Role.ADMIN)


def _is_clinical(user: Any) -> bool:
    return bool(getattr(user, "is_clinical", False))


def help_button(request: HttpRequest) -> dict[str, Any] | None:
    user = request.user
    return {} if user.is_authenticated and user.is_client else None


def staff_banner(request: HttpRequest) -> dict[str, Any] | None:
    found: BannerEvents
    try:
        found = banner_events_for(request.user)
    except DatabaseError:  # the banner must never take a staff page down with it
        found = {"events": [], "unacknowledged_elsewhere": 0}
    items = [
        {**event_payload(event), "opened_local": timezone.localtime(event.opened_at)}
        for event in found["events"]
    ]
    return {
        "banner": {"events": items, "unacknowledged_elsewhere": found["unacknowledged_elsewhere"]}
    }


def open_crises(request: HttpRequest) -> dict[str, Any] | None:
    """Supervisors (and administrators): every open crisis of the program from its first
    second, and how fast the program acknowledges."""
    user = request.user
    if not user.is_authenticated or getattr(user, "role", None) not in OVERSEERS:
        return None
    try:
        crises = open_crises_for(user)
        times = acknowledgement_times_for(user)
    except DatabaseError:  # the dashboard must never go down with it; the feed still works
        return {"crises": [], "times": None, "failed": True, "now": timezone.now()}
    return {"crises": crises, "times": times, "failed": False, "now": timezone.now()}


def caseload(request: HttpRequest) -> dict[str, Any] | None:
    """The dashboard's caseload: clinical staff's clients, sortable by risk, crisis shown."""
    if not _is_clinical(request.user):
        return None
    order = request.GET.get("sort", "risk")
    order = order if order in CASELOAD_ORDERS else "risk"
    return {"clients": caseload_by_risk(request.user, order=order), "order": order}


def own_request_for_help(request: HttpRequest) -> dict[str, Any] | None:
    """On every client page while their request for help is open: the way back to it."""
    user = request.user
    if not user.is_authenticated or not user.is_client:
        return None
    match = request.resolver_match
    if match is not None and match.view_name == "crisis:help":  # the page itself says it
        return None
    try:
        client = client_profile_of(user)
        event = crisis_event_unresolved_for(user, client) if client is not None else None
    except DatabaseError:
        return None
    if event is None:
        return None
    return {"open_event": event, "opened_local": timezone.localtime(event.opened_at)}


def register() -> None:
    slots.register_panel(
        slots.PORTAL_HELP_BAR, slots.Panel("crisis", "crisis/_help_bar.html", help_button)
    )
    slots.register_panel(
        slots.STAFF_BANNER, slots.Panel("crisis", "crisis/_banner.html", staff_banner)
    )
    slots.register_panel(
        slots.STAFF_DASHBOARD_TOP,
        slots.Panel("crisis.open", "crisis/staff/_open_crises.html", open_crises, order=10),
    )
    slots.register_panel(
        slots.STAFF_CASELOAD,
        slots.Panel("crisis.caseload", "crisis/staff/_caseload.html", caseload),
    )
    slots.register_panel(
        slots.PORTAL_BANNER,
        slots.Panel(
            "crisis.open_request", "crisis/portal/_open_request.html", own_request_for_help
        ),
    )
    slots.register_link(
        slots.STAFF_NAV,
        slots.Link("crisis", "Crisis queue", "crisis_staff:queue", order=30, shown_to=_is_clinical),
    )
    for order, (name, label, url_name) in enumerate(
        [
            ("crisis.queue", "Crisis queue", "crisis_staff:queue"),
            ("crisis.risk", "Caseload by risk", "crisis_staff:risk"),
            ("crisis.follow_ups", "Follow-ups", "crisis_staff:follow_ups"),
        ]
    ):
        slots.register_link(
            slots.STAFF_DASHBOARD_LINKS,
            slots.Link(name, label, url_name, order=10 + order, shown_to=_is_clinical),
        )
    slots.register_link(
        slots.STAFF_CLIENT_RECORD_LINKS,
        slots.Link(
            "crisis", "Check-ins, trends, safety plan and crises", "crisis_staff:client", order=20
        ),
    )
    slots.register_link(
        slots.PORTAL_HOME_LINKS,
        slots.Link(
            "crisis.safety_plan",
            "Your safety plan",
            "crisis:safety_plan",
            order=30,
            description="the steps and people that help you through a hard moment.",
        ),
    )
    slots.register_link(
        slots.PORTAL_HOME_LINKS,
        slots.Link(
            "crisis.check_ins",
            "Your check-ins",
            "crisis:check_ins",
            order=31,
            description="how you have been feeling, week by week.",
        ),
    )
