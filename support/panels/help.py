"""What the help centre and announcements show in the core's pages (iop/slots.py): a help link
in every client page's help bar and menu, announcement banners on every client and staff page,
the getting-started checklist on a new client's home page, and the articles for a failed tech
check in a session page's "Trouble connecting?" box. A panel never takes a page down with it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest

from iop import slots
from iop.accounts.selectors import client_profile_of
from support import selectors

log = logging.getLogger(__name__)


def _safely(context: Callable[[HttpRequest], dict[str, Any] | None]):
    def wrapped(request: HttpRequest) -> dict[str, Any] | None:
        try:
            return context(request)
        except DatabaseError:
            log.exception("support panel %s failed; the page is shown without it", context.__name__)
            return None

    wrapped.__name__ = context.__name__
    return wrapped


def help_link(request: HttpRequest) -> dict[str, Any] | None:
    # A client can start a live chat from any portal page; the chat knows where they were.
    return {"chat": _is_client(request.user), "here": request.path}


def _is_client(user: Any) -> bool:
    return bool(getattr(user, "is_client", False))


def _is_staff(user: Any) -> bool:
    return bool(getattr(user, "is_staff_member", False))


@_safely
def banners(request: HttpRequest) -> dict[str, Any] | None:
    if not request.user.is_authenticated:
        return None
    found = selectors.banners_for(request.user)
    return {"announcements": found, "next": request.get_full_path()} if found else None


@_safely
def onboarding(request: HttpRequest) -> dict[str, Any] | None:
    user = request.user
    client = client_profile_of(user) if user.is_authenticated and user.is_client else None
    if client is None:
        return None
    checklist = selectors.onboarding_checklist_for(user, client)
    if checklist is None:
        return None
    if checklist.is_done:
        from support.services import onboarding_complete

        onboarding_complete(actor=user, client=client)
        return None
    return {"checklist": checklist}


@_safely
def trouble_help(request: HttpRequest) -> dict[str, Any] | None:
    user = request.user
    client = client_profile_of(user) if user.is_authenticated and user.is_client else None
    if client is None:
        return None
    failed, articles = selectors.help_for_tech_check(user, client)
    return {"failed": failed, "articles": articles}


def register_help_and_announcements() -> None:
    slots.register_panel(
        slots.PORTAL_HELP_BAR,
        slots.Panel("support.help", "support/_help_link.html", help_link, order=50),
    )
    slots.register_link(
        slots.PORTAL_NAV, slots.Link("support.help", "Help", "support:help", order=90)
    )
    slots.register_link(
        slots.STAFF_NAV,
        slots.Link("support.help", "Help", "support_staff:help", order=90, shown_to=_is_staff),
    )
    slots.register_panel(
        slots.PORTAL_BANNER,
        slots.Panel("support.announcements", "support/_banners.html", banners, order=10),
    )
    slots.register_panel(
        slots.STAFF_BANNER,
        slots.Panel("support.announcements", "support/_banners.html", banners, order=50),
    )
    slots.register_panel(
        slots.PORTAL_HOME,
        slots.Panel("support.onboarding", "support/portal/_onboarding.html", onboarding, order=5),
    )
    slots.register_panel(
        slots.PORTAL_SESSION_TROUBLE,
        slots.Panel("support.trouble", "support/portal/_trouble_help.html", trouble_help),
    )
    slots.register_link(
        slots.PORTAL_HOME_LINKS,
        slots.Link(
            "support.updates",
            "Platform updates",
            "support:updates",
            order=80,
            shown_to=_is_client,
            description="maintenance notices, and how you would like to hear about them.",
        ),
    )
