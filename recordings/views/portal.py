"""Client pages: the recordings they appear in, and one of them with its player (for the
segments they have been given access to) and their access request."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render

from iop.accounts.decorators import client_required
from iop.domain import DomainError
from iop.form_errors import error_message
from recordings import selectors, services
from recordings.models import Recording


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
