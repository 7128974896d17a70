"""Places in the core's pages that domain apps fill: navigation links and panels.

The core's templates (the portal and staff frames, the dashboard, the client record) name a
slot; each app registers what it shows there in its `AppConfig.ready()`, so the core never
names an app's URLs, templates or template tags:

    # sessions_app/apps.py
    def ready(self):
        from iop import slots
        slots.register_link(slots.STAFF_NAV, slots.Link("sessions", "Sessions", "sessions_staff:list"))
        slots.register_panel(slots.STAFF_DASHBOARD, slots.Panel("sessions", "sessions_app/staff/_panel.html", today_panel))

A template shows a slot with `{% load slots %}`, then `{% slot_links "staff.nav" as links %}`
(a list of `ShownLink` to lay out as the page likes) or `{% slot_panels "staff.dashboard" %}`
(each panel's template rendered with its context, in order). A page's own object can be handed
on: `{% slot_panels "staff.session" session %}` calls each panel's context as
`context(request, session)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse

# Links
PORTAL_NAV = "portal.nav"  # the client portal's menu, after Home
PORTAL_HOME_LINKS = "portal.home_links"  # "Your information" on the portal's home page
STAFF_NAV = "staff.nav"  # the staff menu, after Dashboard
STAFF_DASHBOARD_LINKS = "staff.dashboard_links"  # quick links under the dashboard's heading
STAFF_CLIENT_RECORD_LINKS = (
    "staff.client_record_links"  # on a client's record; url takes the client id
)
# Panels
PORTAL_HELP_BAR = "portal.help_bar"  # inside the help bar on every client page
PORTAL_HOME = "portal.home"  # cards on the portal's home page, before the care team
PORTAL_BANNER = "portal.banner"  # above the content of every client page (announcements)
# Inside the "Trouble connecting?" box of a client's session page (help for a failed tech check)
PORTAL_SESSION_TROUBLE = "portal.session_trouble"
STAFF_BANNER = "staff.banner"  # under the live-feed status on every staff page
STAFF_DASHBOARD = "staff.dashboard"  # cards under the dashboard's caseload and feed
STAFF_DASHBOARD_TOP = "staff.dashboard_top"  # cards above the caseload (what needs eyes now)
# The dashboard's caseload table, drawn by an app that knows more about clients (crisis: risk
# and crisis state, sortable); with no panel here the dashboard shows its plain table.
STAFF_CASELOAD = "staff.caseload"
# Panels given the page's session: context(request, session)
PORTAL_SESSION = "portal.session"  # on a client's session page, in its trouble box
PORTAL_SESSION_ROOM = "portal.session_room"  # on a client's session page, under "Join"
STAFF_SESSION = "staff.session"  # on a staff session page, above the roster
# Panels given the page's client: cards on a staff client record (context(request, client))
STAFF_CLIENT_RECORD = "staff.client_record"
# Wherever a client is offered ways to catch up on a session they missed (a make-up is the
# sessions app's own; a consented recording's catch-up registers here): context(request, session)
PORTAL_SESSION_CATCH_UP = "portal.session_catch_up"

LINK_SLOTS = (
    PORTAL_NAV,
    PORTAL_HOME_LINKS,
    STAFF_NAV,
    STAFF_DASHBOARD_LINKS,
    STAFF_CLIENT_RECORD_LINKS,
)
PANEL_SLOTS = (
    PORTAL_HELP_BAR,
    PORTAL_HOME,
    STAFF_BANNER,
    STAFF_DASHBOARD,
    STAFF_DASHBOARD_TOP,
    STAFF_CASELOAD,
    PORTAL_SESSION,
    PORTAL_SESSION_ROOM,
    STAFF_SESSION,
    STAFF_CLIENT_RECORD,
    PORTAL_SESSION_CATCH_UP,
    PORTAL_BANNER,
    PORTAL_SESSION_TROUBLE,
)


def _everyone(_user: Any) -> bool:
    return True


@dataclass(frozen=True)
class Link:
    name: str
    label: str
    url_name: str
    order: int = 100
    shown_to: Callable[[Any], bool] = _everyone
    description: str = ""


@dataclass(frozen=True)
class ShownLink:
    label: str
    url: str
    description: str


@dataclass(frozen=True)
class Panel:
    """A template and the function that makes its context; returning None hides the panel.

    The function takes the request, then whatever the page hands the slot (its session)."""

    name: str
    template: str
    context: Callable[..., dict[str, Any] | None]
    order: int = 100


@dataclass
class _Registry:
    links: dict[str, dict[str, Link]] = field(default_factory=dict)
    panels: dict[str, dict[str, Panel]] = field(default_factory=dict)


_registry = _Registry()


def register_link(slot: str, link: Link) -> None:
    """Add (or replace, so `ready()` may run twice) the link called `link.name` in `slot`."""
    if slot not in LINK_SLOTS:
        raise ValueError(f"No link slot called {slot!r}; the slots are {', '.join(LINK_SLOTS)}.")
    _registry.links.setdefault(slot, {})[link.name] = link


def register_panel(slot: str, panel: Panel) -> None:
    """Add (or replace) the panel called `panel.name` in `slot`."""
    if slot not in PANEL_SLOTS:
        raise ValueError(f"No panel slot called {slot!r}; the slots are {', '.join(PANEL_SLOTS)}.")
    _registry.panels.setdefault(slot, {})[panel.name] = panel


def links_for(slot: str, user: Any, *url_args: Any) -> list[ShownLink]:
    """The slot's links this user may follow, in order, with their URLs reversed."""
    found = sorted(_registry.links.get(slot, {}).values(), key=lambda link: (link.order, link.name))
    return [
        ShownLink(link.label, reverse(link.url_name, args=url_args), link.description)
        for link in found
        if link.shown_to(user)
    ]


def panels_for(slot: str) -> list[Panel]:
    return sorted(_registry.panels.get(slot, {}).values(), key=lambda p: (p.order, p.name))
