"""Live chat's pages: a client's chat with tech support, and the desk's queue and chats. The
conversation itself runs over the sockets of support/consumers.py; these pages render what is
there when they open, so they work (read-only) even before the socket connects."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from iop.accounts.models import User
from sessions_app import selectors as sessions
from support import selectors
from support.views.staff import desk_required


@login_required
def client_chat(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not isinstance(user, User) or not user.is_client:
        raise PermissionDenied("Live chat is for clients; staff can ask for help with a ticket.")
    chat = selectors.chat_latest_of(user)
    wanted = request.GET.get("session", "")
    session = (
        sessions.sessions_visible_to(request.user).filter(pk=int(wanted)).first()
        if wanted.isdigit() and len(wanted) < 12
        else None
    )
    page = request.GET.get("from", "")
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
