"""Live chat's pages: a client's chat with tech support, and the desk's queue and chats. The
conversation itself runs over the sockets of support/consumers.py; these pages render what is
there when they open, so they work (read-only) even before the socket connects."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve

from iop.accounts.models import User
from sessions_app import selectors as sessions
from support import selectors
from support.views.staff import desk_required


def _session_page(page: str) -> str:
    """The session a portal page is about, when it is a session's page: the help bar's chat
    link names the page it was on, and a chat from there is about that session as much as one
    from the page's "I can't connect" offer."""
    try:
        match = resolve(urlsplit(page).path)
    except (Resolver404, ValueError):
        return ""
    return str(match.kwargs.get("session_id", "")) if match.view_name == "sessions:detail" else ""


@login_required
def client_chat(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not isinstance(user, User) or not user.is_client:
        raise PermissionDenied("Live chat is for clients; staff can ask for help with a ticket.")
    chat = selectors.chat_latest_of(user)
    page = request.GET.get("from", "")
    wanted = request.GET.get("session", "") or _session_page(page)
    session = (
        sessions.sessions_visible_to(request.user).filter(pk=int(wanted)).first()
        if wanted.isdigit() and len(wanted) < 12
        else None
    )
    return render(
        request,
        "support/portal/chat.html",
        {
            "chat": selectors.chat_transcript_for(request.user, chat) if chat else None,
            "session": session,
            "from_page": page if page.startswith("/") and page.isprintable() else "",
        },
    )


@desk_required
def desk(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "support/staff/chats.html",
        {
            "snapshot": selectors.desk_snapshot(request.user),
            "wait_seconds": selectors.chat_wait_limit(),
        },
    )
