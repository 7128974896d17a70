"""What recordings shows in other pages (iop/slots.py): the recording box on the staff session
page, whether the session is being recorded on the client's session page, the links to the
recordings pages in the portal's and the staff menus and to the clients' access requests, and a
catch-up recording wherever a missed session is caught up."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from iop import slots
from recordings.selectors import room_indicator_for, session_recording_panel


def staff_session(request: HttpRequest, session: Any) -> dict[str, Any] | None:
    return {"panel": session_recording_panel(request.user, session)}


def portal_session_room(request: HttpRequest, session: Any) -> dict[str, Any] | None:
    return {"indicator": room_indicator_for(request.user, session)}


def portal_catch_up(request: HttpRequest, session: Any) -> dict[str, Any] | None:
    from recordings.access_selectors import catch_up_offer_for
    from recordings.services.access_requests import recording_path

    offer = catch_up_offer_for(request.user, session)
    if offer is None:
        return None
    from django.utils import timezone

    return {
        "offer": offer,
        "url": recording_path(offer.recording_id),
        "open": offer.access_until > timezone.now(),
    }


def _is_clinical(user: Any) -> bool:
    return bool(getattr(user, "is_clinical", False))


def _is_client(user: Any) -> bool:
    return bool(getattr(user, "is_client", False))


def register() -> None:
    slots.register_link(
        slots.PORTAL_NAV,
        slots.Link("recordings", "Recordings", "recordings:list", order=40, shown_to=_is_client),
    )
    slots.register_link(
        slots.STAFF_NAV,
        slots.Link(
            "recordings", "Recordings", "recordings_staff:list", order=40, shown_to=_is_clinical
        ),
    )
    slots.register_panel(
        slots.PORTAL_SESSION_CATCH_UP,
        slots.Panel(
            "recordings.catch_up", "recordings/portal/_catch_up.html", portal_catch_up, order=20
        ),
    )
    slots.register_link(
        slots.STAFF_DASHBOARD_LINKS,
        slots.Link(
            "recordings.access_requests",
            "Recording access requests",
            "recordings_staff:requests",
            order=60,
            shown_to=_is_clinical,
        ),
    )
    slots.register_panel(
        slots.STAFF_SESSION,
        slots.Panel("recordings", "recordings/staff/_session_panel.html", staff_session, order=10),
    )
    slots.register_panel(
        slots.PORTAL_SESSION_ROOM,
        slots.Panel(
            "recordings", "recordings/portal/_room_indicator.html", portal_session_room, order=10
        ),
    )
