"""Client pages: today's and upcoming sessions, the session page (tech check, join, trouble),
make-ups, reminder settings and the private calendar feed."""

from __future__ import annotations

import json
import os
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from iop.accounts.decorators import client_required
from iop.accounts.selectors import own_client_profile
from iop.api.errors import error_body
from iop.domain import DomainError
from iop.form_errors import error_message
from iop.permissions_policy import permissions_allowed
from sessions_app import ical, selectors, services
from sessions_app.forms import ReminderPreferenceForm, TargetForm
from sessions_app.models import MakeUpRequest, Session, SessionStatus
from sessions_app.video import RoomEntry, provider_for

SPEEDTEST_MAX_BYTES = 5_000_000


def _session(request, session_id: int) -> Session:
    try:
        return selectors.session_get_for(request.user, session_id)
    except Session.DoesNotExist:
        raise Http404("No such session.") from None


def _room_on_page(session: Session, user) -> RoomEntry:
    """What the page carries before anyone joins: the kind of room and, for LiveKit, its server.
    The address with its token (a Jitsi JWT, a LiveKit token) comes from `join` only, after
    Harbor has heard of the join (a recording the client has not agreed to pauses first)."""
    entry = provider_for(session).room_entry(session, user=user, moderator=False)
    return RoomEntry(kind=entry.kind, url=entry.url if entry.kind == "livekit" else "")


@client_required
def session_list(request):
    client = own_client_profile(request)
    now = timezone.now()
    upcoming = selectors.sessions_upcoming_for(request.user, client, now=now, days=14)
    today = timezone.localdate(now)
    return render(
        request,
        "sessions_app/portal/list.html",
        {
            "today": [s for s in upcoming if timezone.localdate(s.starts_at) == today],
            "later": [s for s in upcoming if timezone.localdate(s.starts_at) > today],
            "now": now,
            "offers": selectors.makeup_offers_visible_to(request.user),
        },
    )


@client_required
@permissions_allowed("camera", "microphone")  # the tech check
def session_detail(request, session_id: int):
    client = own_client_profile(request)
    try:
        session = selectors.session_page_for(request.user, client, session_id)
    except Session.DoesNotExist:
        raise Http404("No such session.") from None
    now = timezone.now()
    opens = session.starts_at - timedelta(minutes=settings.SESSIONS_JOIN_OPENS_MINUTES)
    attendance = selectors.attendance_at(request.user, session, client)
    makeup = selectors.makeup_for_missed(request.user, client, session)
    row = selectors.program_settings(session.program_id)
    return render(
        request,
        "sessions_app/portal/detail.html",
        {
            "session": session,
            "client": client,
            "attendance": attendance,
            "open_now": session.status == SessionStatus.SCHEDULED
            and opens <= now < session.ends_at,
            "opens": opens,
            "over": session.ends_at <= now,
            "room": _room_on_page(session, request.user),
            "dial_in": row.dial_in_number
            or settings.SESSIONS_DIAL_IN_NUMBER
            or settings.CLINIC_CRISIS_LINE,
            "chat": selectors.chat_of(request.user, session, client),
            "last_check": selectors.tech_check_latest_for(request.user, client),
            "offer_makeup": selectors.may_ask_for_makeup(session, attendance, makeup, now=now),
            "makeup": makeup,
            "heartbeat_seconds": settings.SESSIONS_HEARTBEAT_SECONDS,
        },
    )


def _json_body(request) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


def _error_json(error: ValidationError | DomainError) -> JsonResponse:
    if isinstance(error, DomainError):
        return JsonResponse(
            error_body(error.code, error.message, error.fields), status=error.status
        )
    fields = (
        error.message_dict if hasattr(error, "error_dict") else {"non_field_errors": error.messages}
    )
    return JsonResponse(error_body("invalid", error_message(error), fields), status=400)


@client_required
@require_POST
def tech_check(request, session_id: int):
    """The page's tech check posts its findings here (JSON) and shows the verdict."""
    client = own_client_profile(request)
    session = _session(request, session_id)
    body = _json_body(request)
    speed = body.get("download_mbps")
    try:
        check = services.tech_check_record(
            actor=request.user,
            client=client,
            session=session,
            camera=str(body.get("camera", "")),
            microphone=str(body.get("microphone", "")),
            webrtc=bool(body.get("webrtc")),
            download_mbps=float(speed) if isinstance(speed, int | float) else None,
            user_agent=request.headers.get("User-Agent", ""),
        )
    except (ValidationError, DomainError) as error:
        return _error_json(error)
    return JsonResponse(
        {"id": check.pk, "passed": check.passed, "problems": check.problems}, status=201
    )


@client_required
@never_cache
@require_POST
def join(request, session_id: int):
    """The room's address, answered only once Harbor has heard of the join (a recording without
    the client's consent has paused by then): the page opens the room with it."""
    session = _session(request, session_id)
    try:
        entry = services.room_join(actor=request.user, session=session)
    except (ValidationError, DomainError) as error:
        return _error_json(error)
    return JsonResponse({"kind": entry.kind, "room_url": entry.url, "token": entry.token})


@login_required
@never_cache
@require_GET
def speedtest(request):
    """A payload of the asked size, for the tech check to time (capped; never cached)."""
    try:
        size = max(1, min(int(request.GET.get("bytes", "250000")), SPEEDTEST_MAX_BYTES))
    except ValueError:
        size = 250_000
    response = HttpResponse(os.urandom(size), content_type="application/octet-stream")
    response["Content-Length"] = str(size)
    return response


@client_required
@require_POST
def trouble(request, session_id: int):
    client = own_client_profile(request)
    session = _session(request, session_id)
    try:
        alternatives = services.trouble_report(actor=request.user, session=session, client=client)
    except (ValidationError, DomainError) as error:
        if request.headers.get("Accept", "").startswith("application/json"):
            return _error_json(error)
        messages.error(request, error_message(error))
        return redirect("sessions:detail", session_id=session.pk)
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse(alternatives)
    messages.info(
        request,
        " ".join(
            [
                f"We told your facilitator. You can dial in at {alternatives['dial_in']} or use "
                "the text chat below.",
                *(offer["text"] for offer in alternatives["offers"]),
            ]
        ),
    )
    return redirect(reverse("sessions:detail", args=[session.pk]) + "#alternatives")


@client_required
def makeup_new(request, session_id: int):
    client = own_client_profile(request)
    missed = _session(request, session_id)
    targets = selectors.makeup_targets(client, missed, now=timezone.now())
    form = TargetForm(request.POST or None, targets=targets)
    if (
        request.method == "POST"
        and form.is_valid()
        and form.request_makeup(actor=request.user, client=client, missed=missed)
    ):
        messages.success(request, "Your make-up request is sent. Staff will confirm it.")
        return redirect("sessions:detail", session_id=missed.pk)
    return render(
        request, "sessions_app/portal/makeup_form.html", {"session": missed, "form": form}
    )


@client_required
@require_POST
def makeup_answer(request, makeup_id: int):
    """The client accepts or declines a make-up staff offered."""
    try:
        makeup = selectors.makeup_get_for(request.user, makeup_id)
    except MakeUpRequest.DoesNotExist:
        raise Http404("No such make-up.") from None
    try:
        services.makeup_decide(
            actor=request.user, makeup=makeup, approve=request.POST.get("decision") == "accept"
        )
    except (ValidationError, DomainError) as error:
        messages.error(request, error_message(error))
    else:
        messages.success(request, "Thank you, your answer is saved.")
    return redirect("sessions:list")


@client_required
def reminder_settings(request):
    client = own_client_profile(request)
    current = selectors.reminder_preference_of(request.user)
    initial = {
        "by_sms": current.by_sms if current else True,
        "by_email": current.by_email if current else True,
    }
    form = ReminderPreferenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.reminder_preference_set(actor=request.user, client=client, **form.cleaned_data)
        messages.success(request, "Your reminder settings are saved.")
        return redirect("sessions:reminders")
    return render(request, "sessions_app/portal/reminders.html", {"form": form})


def calendar_page(request):
    """The private iCal URL and a button to replace it (clients here; staff under /staff/)."""
    feed = services.calendar_feed_for(request.user)
    token = None
    if request.method == "POST" or feed is None:
        # Only the token's hash is kept, so the address is shown once: when it is made.
        _, token = services.calendar_feed_regenerate(actor=request.user)
        if feed is not None:
            messages.success(request, "Your calendar link is new; the old one no longer works.")
    url = request.build_absolute_uri(reverse("sessions:ical", args=[token])) if token else None
    base = "staff_base.html" if request.user.is_staff_member else "portal_base.html"
    return render(request, "sessions_app/calendar.html", {"url": url, "base": base})


client_calendar = client_required(calendar_page)


@never_cache
def ical_feed(request, token: str):
    """The calendar of the token's owner: no cookie needed, the token is the secret."""
    feed = selectors.calendar_feed_by_token(token)
    if feed is None:
        raise Http404("No such calendar.")
    now = timezone.now()
    sessions = selectors.calendar_of(feed, now=now)
    body = ical.calendar(sessions, name=f"{settings.CLINIC_NAME} sessions", now=now)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="harbor-sessions.ics"'
    return response
