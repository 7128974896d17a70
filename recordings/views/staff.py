"""Staff pages: start and stop a session's recording (the box on the staff session page)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from iop.accounts.decorators import staff_required
from iop.domain import DomainError
from iop.form_errors import error_message
from recordings import selectors, services
from recordings.models import RecordingPurpose
from sessions_app.selectors import session_get_for


def _session(request, session_id: int):
    try:
        return session_get_for(request.user, session_id)
    except ObjectDoesNotExist:
        raise Http404("No such session among yours.") from None


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
