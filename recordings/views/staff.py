"""Staff pages: the recordings one may see, one of them with its player for a chosen purpose,
and starting and stopping a session's recording (the box on the staff session page)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from iop.accounts.decorators import staff_required
from iop.domain import DomainError
from iop.form_errors import error_message
from recordings import selectors, services
from recordings.models import Recording, RecordingPurpose
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
