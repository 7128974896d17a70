"""Staff pages: the recordings one may see, one of them with its player for a chosen purpose,
starting and stopping a session's recording (the box on the staff session page), and the queue
of clients' access requests with its decisions."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from iop.accounts.decorators import staff_required
from iop.domain import DomainError
from iop.form_errors import error_message
from recordings import selectors, services
from recordings.access_selectors import access_queue_for, access_request_get_for, segment_lines
from recordings.models import (
    AccessRequestState,
    Recording,
    RecordingAccessRequest,
    RecordingPurpose,
)
from sessions_app.selectors import session_get_for


def _session(request, session_id: int):
    try:
        return session_get_for(request.user, session_id)
    except ObjectDoesNotExist:
        raise Http404("No such session among yours.") from None


def _clinical(request) -> None:
    if not request.user.is_clinical:
        raise PermissionDenied("Recordings are for clinical staff.")


@staff_required
def recordings(request):
    _clinical(request)
    rows = list(selectors.recordings_listed_for(request.user)[:100])
    selectors.recordings_read_record(request.user, rows)
    return render(request, "recordings/staff/list.html", {"recordings": rows})


@staff_required
def recording(request, recording_id: int):
    """The recording's segments; with ?purpose= (why it is played), a player for each segment
    that may be played for it, and the reason for each withheld."""
    _clinical(request)
    try:
        found = selectors.recording_get_for(request.user, recording_id)
    except Recording.DoesNotExist:
        raise Http404("No such recording among yours.") from None
    selectors.recordings_read_record(request.user, [found])
    purpose = request.GET.get("purpose", "")
    link, refusal = None, ""
    if purpose:
        try:
            link = services.playback_link_create(
                actor=request.user, recording=found, purpose=purpose
            )
        except (ValidationError, DomainError) as error:
            refusal = error_message(error)
    links = {s.index: s for s in link.segments} if link else {}
    withheld = {s.index: s for s in link.withheld} if link else {}
    rows = [
        {"segment": s, "link": links.get(s.index), "withheld": withheld.get(s.index)}
        for s in selectors.segments_of(found)
    ]
    return render(
        request,
        "recordings/staff/detail.html",
        {
            "recording": found,
            "rows": rows,
            "purpose": purpose,
            "purposes": RecordingPurpose.choices,
            "link": link,
            "refusal": refusal,
        },
    )


def _back(session_id: int):
    return redirect("sessions_staff:detail", session_id=session_id)


@staff_required
@require_POST
def recording_start(request, session_id: int):
    session = _session(request, session_id)
    purpose = request.POST.get("purpose", "")
    try:
        services.recording_start(actor=request.user, session=session, purpose=purpose)
    except (ValidationError, DomainError) as error:
        messages.error(request, f"Recording not started: {error_message(error)}")
    else:
        label = RecordingPurpose(purpose).label.lower()
        messages.success(request, f"Recording for {label} started.")
    return _back(session.pk)


@staff_required
@require_POST
def recording_stop(request, session_id: int):
    session = _session(request, session_id)
    panel = selectors.session_recording_panel(request.user, session)
    if panel.recording is None:
        messages.error(request, "This session has no recording to stop.")
        return _back(session.pk)
    try:
        services.recording_stop(actor=request.user, recording=panel.recording)
    except (ValidationError, DomainError) as error:
        messages.error(request, f"Recording not stopped: {error_message(error)}")
    else:
        messages.success(request, "Recording stopped; its last segment is being stored.")
    return _back(session.pk)


def _clinical_only(view):
    """Clinical staff only (support agents decide nothing about recordings)."""

    @staff_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_clinical:
            raise PermissionDenied("Recording access requests are for clinical staff.")
        return view(request, *args, **kwargs)

    return wrapped


@_clinical_only
def access_requests(request):
    """The queue of clients' access requests the viewer may see: waiting first, overdue flagged;
    each with what approval would cover (segments withheld, and who in them no longer agrees)."""
    now = timezone.now()
    rows = []
    for access_request in access_queue_for(request.user):
        pending = access_request.state == AccessRequestState.PENDING
        try:
            lines = (
                segment_lines(request.user, access_request.recording, names=True) if pending else []
            )
        except ObjectDoesNotExist:
            lines = []
        rows.append(
            {
                "request": access_request,
                "pending": pending,
                "overdue": pending
                and access_request.due_at is not None
                and access_request.due_at <= now,
                "may_decide": pending and services.may_decide(request.user, access_request),
                "withheld": [line for line in lines if not line.playable],
                "segments": len(lines),
            }
        )
    return render(request, "recordings/staff/access_requests.html", {"rows": rows, "now": now})


@_clinical_only
@require_POST
def access_request_decide(request, request_id: int):
    try:
        access_request = access_request_get_for(request.user, request_id)
    except RecordingAccessRequest.DoesNotExist:
        raise Http404("No such access request among yours.") from None
    decision = request.POST.get("decision", "")
    if decision not in ("approve", "decline"):
        messages.error(request, "Choose approve or decline.")
        return redirect("recordings_staff:requests")
    try:
        services.access_request_decide(
            actor=request.user,
            request=access_request,
            approve=decision == "approve",
            reason=request.POST.get("reason", ""),
        )
    except (ValidationError, DomainError) as error:
        messages.error(request, f"Not decided: {error_message(error)}")
    else:
        messages.success(request, "Decision saved; the client is told.")
    return redirect("recordings_staff:requests")
