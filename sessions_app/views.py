"""Client pages: today's and upcoming sessions, the session page (tech check, join, trouble),
make-ups, reminder settings, the private calendar feed, and the video provider's webhook."""

from __future__ import annotations

import json
import os

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from iop.accounts.decorators import client_required
from iop.accounts.selectors import client_profile_of
from iop.audit.models import Action
from iop.audit.services import access_record
from iop.domain import DomainError
from sessions_app import ical, selectors, services
from sessions_app.forms import ReminderPreferenceForm, TargetForm
from sessions_app.models import (
    Attendance,
    AttendanceStatus,
    CalendarFeed,
    ChatMessage,
    EventSource,
    MakeUpRequest,
    MakeUpStatus,
    ReminderPreference,
    Session,
    SessionStatus,
    TechCheck,
)
from sessions_app.video import WebhookRejected, provider_for, provider_named

SPEEDTEST_MAX_BYTES = 5_000_000
MAKEUP_AFTER = (
    AttendanceStatus.NO_SHOW,
    AttendanceStatus.TECHNICAL_ISSUE,
    AttendanceStatus.LEFT_EARLY,
)


def error_text(error: ValidationError | DomainError) -> str:
    if isinstance(error, DomainError):
        return error.message
    if hasattr(error, "error_dict"):
        return " ".join(f"{m}" for messages_ in error.message_dict.values() for m in messages_)
    return " ".join(error.messages)


def _client(request):
    client = client_profile_of(request.user)
    if client is None:
        raise Http404("No client record for this account.")
    return client


def _session(request, session_id: int) -> Session:
    try:
        return selectors.session_get_for(request.user, session_id)
    except Session.DoesNotExist:
        raise Http404("No such session.") from None


@client_required
def session_list(request):
    client = _client(request)
    now = timezone.now()
    upcoming = selectors.client_upcoming(client, now=now, days=14)
    today = timezone.localdate(now)
    access_record(
        actor=request.user, action=Action.VIEW, client=client, object_type="sessions.Session"
    )
    return render(
        request,
        "sessions_app/portal_list.html",
        {
            "today": [s for s in upcoming if timezone.localdate(s.starts_at) == today],
            "later": [s for s in upcoming if timezone.localdate(s.starts_at) > today],
            "now": now,
            "offers": MakeUpRequest.objects.filter(client=client, status=MakeUpStatus.OFFERED)
            .select_related("missed_session", "target_session")
            .order_by("target_session__starts_at"),
        },
    )


@client_required
def session_detail(request, session_id: int):
    client = _client(request)
    session = _session(request, session_id)
    now = timezone.now()
    opens = session.starts_at - timezone.timedelta(minutes=settings.SESSIONS_JOIN_OPENS_MINUTES)
    attendance = Attendance.objects.filter(session=session, client=client).first()
    over = session.ends_at <= now
    makeup = (
        MakeUpRequest.objects.filter(client=client, missed_session=session)
        .exclude(status=MakeUpStatus.DECLINED)
        .select_related("target_session")
        .first()
    )
    offer_makeup = (
        over
        and session.status == SessionStatus.SCHEDULED
        and session.group_id is not None
        and makeup is None
        and (
            attendance is None
            or attendance.status in MAKEUP_AFTER
            or attendance.reported_tech_issue
        )
    )
    access_record(actor=request.user, action=Action.VIEW, client=client, obj=session)
    row = selectors.program_settings(session.program_id)
    return render(
        request,
        "sessions_app/portal_detail.html",
        {
            "session": session,
            "client": client,
            "attendance": attendance,
            "open_now": session.status == SessionStatus.SCHEDULED
            and opens <= now < session.ends_at,
            "opens": opens,
            "over": over,
            "room_url": provider_for(session).room_url(session, user=request.user, moderator=False),
            "dial_in": row.dial_in_number
            or settings.SESSIONS_DIAL_IN_NUMBER
            or settings.CLINIC_CRISIS_LINE,
            "chat": ChatMessage.objects.filter(session=session, client=client).select_related(
                "sender"
            ),
            "last_check": TechCheck.objects.filter(client=client).first(),
            "offer_makeup": offer_makeup,
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
            {"error": {"code": error.code, "message": error.message, "fields": error.fields}},
            status=error.status,
        )
    fields = (
        error.message_dict if hasattr(error, "error_dict") else {"non_field_errors": error.messages}
    )
    return JsonResponse(
        {"error": {"code": "invalid", "message": error_text(error), "fields": fields}}, status=400
    )


@client_required
@require_POST
def tech_check(request, session_id: int):
    """The page's tech check posts its findings here (JSON) and shows the verdict."""
    client = _client(request)
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
    client = _client(request)
    session = _session(request, session_id)
    try:
        alternatives = services.trouble_report(actor=request.user, session=session, client=client)
    except (ValidationError, DomainError) as error:
        if request.headers.get("Accept", "").startswith("application/json"):
            return _error_json(error)
        messages.error(request, error_text(error))
        return redirect("sessions:detail", session_id=session.pk)
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse(alternatives)
    messages.info(
        request,
        f"We told your facilitator. You can dial in at {alternatives['dial_in']} or use the text chat below.",
    )
    return redirect(reverse("sessions:detail", args=[session.pk]) + "#alternatives")


@client_required
def makeup_new(request, session_id: int):
    client = _client(request)
    missed = _session(request, session_id)
    now = timezone.now()
    targets = selectors.makeup_targets(client, missed, now=now)
    choices = [
        (s.pk, f"{s.title}: {timezone.localtime(s.starts_at):%a %d %b, %H:%M}") for s in targets
    ]
    form = TargetForm(request.POST or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        target = next((s for s in targets if s.pk == form.cleaned_data["target_session"]), None)
        try:
            if target is None:
                raise ValidationError({"target_session": ["That session is no longer available."]})
            services.makeup_request(
                actor=request.user,
                client=client,
                missed_session=missed,
                target_session=target,
                note=form.cleaned_data["note"],
            )
        except (ValidationError, DomainError) as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, "Your make-up request is sent. Staff will confirm it.")
            return redirect("sessions:detail", session_id=missed.pk)
    return render(request, "sessions_app/makeup_form.html", {"session": missed, "form": form})


@client_required
@require_POST
def makeup_answer(request, makeup_id: int):
    """The client accepts or declines a make-up staff offered."""
    client = _client(request)
    makeup = MakeUpRequest.objects.filter(client=client, pk=makeup_id).first()
    if makeup is None:
        raise Http404("No such make-up.")
    try:
        services.makeup_decide(
            actor=request.user, makeup=makeup, approve=request.POST.get("decision") == "accept"
        )
    except (ValidationError, DomainError) as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, "Thank you, your answer is saved.")
    return redirect("sessions:list")


@client_required
def reminder_settings(request):
    client = _client(request)
    current = ReminderPreference.objects.filter(client=client).first()
    initial = {
        "by_sms": current.by_sms if current else True,
        "by_email": current.by_email if current else True,
    }
    form = ReminderPreferenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.reminder_preference_set(actor=request.user, client=client, **form.cleaned_data)
        messages.success(request, "Your reminder settings are saved.")
        return redirect("sessions:reminders")
    return render(request, "sessions_app/reminders.html", {"form": form})


def calendar_page(request):
    """The private iCal URL and a button to replace it (clients here; staff under /staff/)."""
    feed = services.calendar_feed_for(request.user)
    if request.method == "POST":
        feed = services.calendar_feed_regenerate(actor=request.user)
        messages.success(request, "Your calendar link is new; the old one no longer works.")
    url = request.build_absolute_uri(reverse("sessions:ical", args=[feed.token]))
    base = "staff_base.html" if request.user.is_staff_member else "portal_base.html"
    return render(request, "sessions_app/calendar.html", {"url": url, "base": base})


client_calendar = client_required(calendar_page)


@never_cache
def ical_feed(request, token: str):
    """The calendar of the token's owner: no cookie needed, the token is the secret."""
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.user.is_active:
        raise Http404("No such calendar.")
    now = timezone.now()
    sessions = selectors.calendar_sessions_for(feed.user, now=now)
    body = ical.calendar(sessions, name=f"{settings.CLINIC_NAME} sessions", now=now)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="harbor-sessions.ics"'
    return response


@csrf_exempt
@require_POST
def provider_webhook(request, provider: str):
    """Participant joined/left events from the video provider become attendance events."""
    try:
        events = provider_named(provider).webhook_events(
            {k.lower(): v for k, v in request.headers.items()}, request.body
        )
    except KeyError:
        raise Http404("No such provider.") from None
    except WebhookRejected as error:
        return JsonResponse(
            {"error": {"code": "rejected", "message": str(error), "fields": {}}}, status=403
        )
    recorded = 0
    for event in events:
        session = (
            Session.objects.select_related("program", "group")
            .filter(room_name=event.room_name)
            .first()
        )
        client = client_profile_of_user_id(event.user_id)
        if session is None or client is None:
            continue
        try:
            done = services.attendance_event_record(
                actor=None,
                session=session,
                client=client,
                kind=event.kind,
                source=EventSource.WEBHOOK,
                at=event.at,
            )
        except DomainError:
            continue
        recorded += done is not None
    return JsonResponse({"recorded": recorded})


def client_profile_of_user_id(user_id: int):
    from iop.accounts.models import ClientProfile

    return ClientProfile.objects.select_related("user").filter(user_id=user_id).first()
