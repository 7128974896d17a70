"""Where peer spaces show in the core's pages (iop/slots.py): the portal's menu for clients, the
staff menu and dashboard links for clinical staff."""

from __future__ import annotations

from typing import Any

from iop import slots


def _is_client(user: Any) -> bool:
    return bool(getattr(user, "is_client", False))


def _is_clinical(user: Any) -> bool:
    return bool(getattr(user, "is_clinical", False))


def register() -> None:
    slots.register_link(
        slots.PORTAL_NAV,
        slots.Link(
            "messaging.peer", "Group space", "messaging:peer_index", order=40, shown_to=_is_client
        ),
    )
    slots.register_link(
        slots.PORTAL_HOME_LINKS,
        slots.Link(
            "messaging.peer",
            "Your group's space",
            "messaging:peer_index",
            order=40,
            shown_to=_is_client,
            description="support each other between sessions, with your facilitators.",
        ),
    )
    slots.register_link(
        slots.STAFF_NAV,
        slots.Link(
            "messaging.peer",
            "Peer spaces",
            "messaging_staff:peer_spaces",
            order=45,
            shown_to=_is_clinical,
        ),
    )
