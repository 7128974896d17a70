"""What crisis shows in the core's pages (iop/slots.py): the help button in every client page's
help bar, the crisis banner on every staff page, and links to the crisis pages."""

from __future__ import annotations

from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest
from django.utils import timezone

from crisis.selectors import BannerEvents, banner_events_for
from crisis.services.timeline import event_payload
from iop import slots


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


def register() -> None:
    slots.register_panel(
        slots.PORTAL_HELP_BAR, slots.Panel("crisis", "crisis/_help_bar.html", help_button)
    )
    slots.register_panel(
        slots.STAFF_BANNER, slots.Panel("crisis", "crisis/_banner.html", staff_banner)
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
