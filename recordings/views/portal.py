"""Client pages: ask for access to a recording, withdraw the request (the recording's own page,
with playback, includes recordings/portal/_access.html, which shows where the request stands)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from iop.accounts.decorators import client_required
from iop.domain import DomainError
from iop.form_errors import error_message
from recordings import services
from recordings.access_selectors import access_request_get_for
from recordings.models import Recording, RecordingAccessRequest
from recordings.selectors import recording_get_for
from recordings.services.access_requests import recording_path


@client_required
@require_POST
def request_access(request, recording_id: int):
    try:
        recording = recording_get_for(request.user, recording_id)
    except Recording.DoesNotExist:
        raise Http404("No such recording among yours.") from None
    try:
        services.access_request_create(
            actor=request.user, recording=recording, reason=request.POST.get("reason", "")
        )
    except (ValidationError, DomainError) as error:
        messages.error(request, f"Not sent: {error_message(error)}")
    else:
        messages.success(
            request, "Your request is sent; your care team will decide and you will be told."
        )
    return redirect(recording_path(recording.pk))


@client_required
@require_POST
def request_withdraw(request, request_id: int):
    try:
        access_request = access_request_get_for(request.user, request_id)
    except RecordingAccessRequest.DoesNotExist:
        raise Http404("No such request among yours.") from None
    try:
        services.access_request_withdraw(actor=request.user, request=access_request)
    except (ValidationError, DomainError) as error:
        messages.error(request, error_message(error))
    else:
        messages.success(request, "Your request is withdrawn.")
    return redirect(recording_path(access_request.recording_id))
