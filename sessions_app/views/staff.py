"""Staff pages: the session list, a session's live attendance (correct, chat, cancel, move),
make-up requests, a client's tech checks, and engagement alerts."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from iop.accounts.decorators import staff_required
from iop.accounts.models import ClientProfile
from iop.domain import DomainError
from iop.form_errors import error_message
from iop.permissions_policy import permissions_allowed
from sessions_app import selectors, services
from sessions_app.forms import (
    CancelForm,
    ChatForm,
    CorrectionForm,
    DecisionForm,
    MoveOneForm,
    MoveRestForm,
    TargetForm,
)
from sessions_app.models import Attendance, EngagementAlert, MakeUpRequest, Session, SessionStatus
from sessions_app.services.access import may_manage_session
from sessions_app.video import provider_for
from sessions_app.views.portal import calendar_page

MAX_LIST_DAYS = 62


def _session(request, session_id: int) -> Session:
    try:
        return selectors.session_get_for(request.user, session_id)
    except Session.DoesNotExist:
        raise Http404("No such session among yours.") from None


def _day(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        return default


@staff_required
def session_list(request):
    today = timezone.localdate()
    first = _day(request.GET.get("from"), today)
    last = _day(request.GET.get("to"), first + timedelta(days=6))
    last = min(max(last, first), first + timedelta(days=MAX_LIST_DAYS))
    return render(
        request,
        "sessions_app/staff/list.html",
        {
            "rows": selectors.session_rows_between(request.user, first, last),
            "first": first,
            "last": last,
            "previous": first - timedelta(days=7),
            "next": first + timedelta(days=7),
        },
    )


@staff_required
@permissions_allowed("camera", "microphone")  # a LiveKit room on the page
def session_detail(request, session_id: int):
    session = _session(request, session_id)
    roster = selectors.roster_for(request.user, session)
    manage = may_manage_session(request.user, session)
    now = timezone.now()
    opens = session.starts_at - timedelta(minutes=settings.SESSIONS_JOIN_OPENS_MINUTES)
    # Those who run the session enter its room as moderators while it is open.
    room = (
        provider_for(session).room_entry(session, user=request.user, moderator=True)
        if manage and session.status == SessionStatus.SCHEDULED and opens <= now < session.ends_at
        else None
    )
    local_start = timezone.localtime(session.starts_at, selectors.zone_of(session.program))
    local_end = timezone.localtime(session.ends_at, selectors.zone_of(session.program))
    return render(
        request,
        "sessions_app/staff/detail.html",
        {
            "session": session,
            "roster": roster,
            "manage": manage,
            "live": selectors.is_live(session, now),
            "upcoming": session.starts_at > now and session.status == SessionStatus.SCHEDULED,
            "started": session.starts_at <= now,
            "correction_form": CorrectionForm(),
            "cancel_form": CancelForm(),
            "move_one_form": MoveOneForm(
                initial={
                    "day": local_start.date(),
                    "start_time": local_start.time(),
                    "end_time": local_end.time(),
                }
            ),
            "move_rest_form": MoveRestForm(
                initial={
                    "start_time": local_start.time(),
                    "duration_minutes": session.duration_minutes,
                }
            ),
            "chat_form": ChatForm(initial={"client_message_id": uuid.uuid4().hex}),
            "room": room,
        },
    )


def _back(session_id: int):
    return redirect("sessions_staff:detail", session_id=session_id)


def _expected_client(session: Session, client_id: int) -> ClientProfile:
    client = selectors.expected_client_of(session, client_id)
    if client is None:
        raise Http404("That client is not expected at this session.")
    return client


@staff_required
@require_POST
def attendance_correct(request, attendance_id: int):
    try:
        attendance = selectors.attendance_get_for(request.user, attendance_id)
    except Attendance.DoesNotExist:
        raise Http404("No such attendance among your sessions.") from None
    form = CorrectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, error_message(ValidationError(form.errors.as_data())))
        return _back(attendance.session_id)
    try:
        services.attendance_correct(
            actor=request.user,
            attendance=attendance,
            status=form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
            minutes_attended=form.cleaned_data["minutes_attended"],
        )
    except (ValidationError, DomainError) as error:
        messages.error(request, error_message(error))
    else:
        messages.success(request, f"Attendance of {attendance.client.user.display_name} corrected.")
    return _back(attendance.session_id)


@staff_required
@require_POST
def attendance_new(request, session_id: int, client_id: int):
    """Correcting someone who has no attendance row yet: derive one first, then correct it."""
    session = _session(request, session_id)
    client = _expected_client(session, client_id)
    try:
        attendance = services.attendance_open_for_correction(
            actor=request.user, session=session, client=client
        )
    except DomainError as error:
        messages.error(request, error_message(error))
        return _back(session.pk)
    return attendance_correct(request, attendance.pk)


@staff_required
@require_POST
def session_cancel(request, session_id: int):
    session = _session(request, session_id)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            if form.cleaned_data["scope"] == "rest":
                count = services.series_cancel_from(
                    actor=request.user, session=session, reason=form.cleaned_data["reason"]
                )
                messages.success(
                    request, f"Cancelled {count} sessions of the series from this one."
                )
            else:
                services.session_cancel(
                    actor=request.user, session=session, reason=form.cleaned_data["reason"]
                )
                messages.success(request, "The session is cancelled; clients will be told.")
        except (ValidationError, DomainError) as error:
            messages.error(request, error_message(error))
    return _back(session.pk)


def _local(day: date, at, zone) -> datetime:
    return datetime.combine(day, at, tzinfo=zone)


@staff_required
@require_POST
def session_move(request, session_id: int):
    session = _session(request, session_id)
    zone = selectors.zone_of(session.program)
    try:
        if request.POST.get("scope") == "rest":
            rest = MoveRestForm(request.POST)
            if not rest.is_valid():
                raise ValidationError(rest.errors.as_data())
            services.series_reschedule_from(
                actor=request.user,
                session=session,
                start_time=rest.cleaned_data["start_time"],
                duration_minutes=rest.cleaned_data["duration_minutes"],
                rule=rest.cleaned_data["rule"] or None,
            )
            messages.success(request, "The rest of the series is moved.")
        else:
            one = MoveOneForm(request.POST)
            if not one.is_valid():
                raise ValidationError(one.errors.as_data())
            data = one.cleaned_data
            services.session_reschedule(
                actor=request.user,
                session=session,
                starts_at=_local(data["day"], data["start_time"], zone),
                ends_at=_local(data["day"], data["end_time"], zone),
            )
            messages.success(request, "The session is moved; its reminders move with it.")
    except (ValidationError, DomainError) as error:
        messages.error(request, error_message(error))
    return _back(session.pk)


@staff_required
@require_POST
def chat_reply(request, session_id: int, client_id: int):
    session = _session(request, session_id)
    client = _expected_client(session, client_id)
    form = ChatForm(request.POST)
    if form.is_valid():
        try:
            services.chat_send(
                actor=request.user,
                session=session,
                client=client,
                text=form.cleaned_data["text"],
                client_message_id=form.cleaned_data["client_message_id"],
            )
        except (ValidationError, DomainError) as error:
            messages.error(request, error_message(error))
    return redirect(reverse("sessions_staff:detail", args=[session.pk]) + f"#client-{client.pk}")


@staff_required
def makeup_list(request):
    page = selectors.makeups_page_for(request.user, request.GET.get("page"))
    return render(
        request, "sessions_app/staff/makeups.html", {"page": page, "form": DecisionForm()}
    )


@staff_required
@require_POST
def makeup_decide(request, makeup_id: int):
    try:
        makeup = selectors.makeup_get_for(request.user, makeup_id)
    except MakeUpRequest.DoesNotExist:
        raise Http404("No such make-up request.") from None
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.makeup_decide(
                actor=request.user,
                makeup=makeup,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"],
            )
            messages.success(request, "Decision saved; the client is told.")
        except (ValidationError, DomainError) as error:
            messages.error(request, error_message(error))
    return redirect("sessions_staff:makeups")


@staff_required
def makeup_offer(request, session_id: int, client_id: int):
    missed = _session(request, session_id)
    client = _expected_client(missed, client_id)
    targets = selectors.makeup_targets(client, missed, now=timezone.now())
    form = TargetForm(request.POST or None, targets=targets, with_group=True)
    if (
        request.method == "POST"
        and form.is_valid()
        and form.request_makeup(actor=request.user, client=client, missed=missed)
    ):
        messages.success(request, f"Make-up offered to {client.user.display_name}.")
        return _back(missed.pk)
    return render(
        request,
        "sessions_app/staff/offer.html",
        {"session": missed, "client": client, "form": form},
    )


@staff_required
def client_tech_checks(request, client_id: int):
    try:
        client, checks = selectors.tech_checks_of_client(request.user, client_id)
    except ClientProfile.DoesNotExist:
        raise Http404("No tech checks you may see for this client.") from None
    return render(
        request, "sessions_app/staff/tech_checks.html", {"client": client, "checks": checks}
    )


@staff_required
@require_POST
def alert_acknowledge(request, alert_id: int):
    try:
        alert = selectors.engagement_alert_get_for(request.user, alert_id)
    except EngagementAlert.DoesNotExist:
        raise Http404("No such open alert.") from None
    services.engagement_alert_acknowledge(actor=request.user, alert=alert)
    messages.success(request, "Alert acknowledged.")
    return redirect("staff:dashboard")


staff_calendar = staff_required(calendar_page)
