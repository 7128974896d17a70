"""Client pages: the recordings they appear in (or were offered to catch up), one of them with
its player (for the segments they have been given access to) and their access request, and
asking for access or withdrawing the request (recordings/portal/_access.html shows where it
stands)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from iop.accounts.decorators import client_required
from iop.domain import DomainError
from iop.form_errors import error_message
from recordings import selectors, services
from recordings.access_selectors import access_request_get_for
from recordings.models import Recording, RecordingAccessRequest
from recordings.services.access_requests import recording_path


@client_required
def recordings(request):
    rows = list(selectors.recordings_listed_for(request.user)[:100])
    selectors.recordings_read_record(request.user, rows)
    return render(request, "recordings/portal/list.html", {"recordings": rows})


@client_required
def recording(request, recording_id: int):
    try:
        found = selectors.recording_get_for(request.user, recording_id)
    except Recording.DoesNotExist:
        raise Http404("No such recording of yours.") from None
    selectors.recordings_read_record(request.user, [found])
    access_until = selectors.client_access_until(request.user, found)
    link, refusal = None, ""
    if access_until is not None:
        try:
            link = services.playback_link_create(
                actor=request.user, recording=found, purpose=found.purpose
            )
        except (ValidationError, DomainError) as error:
            refusal = error_message(error)
    return render(
        request,
        "recordings/portal/detail.html",
        {
            "recording": found,
            "access_until": access_until,
            "link": link,
            "refusal": refusal,
        },
    )


@client_required
@require_POST
def request_access(request, recording_id: int):
    try:
        recording = selectors.recording_get_for(request.user, recording_id)
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
