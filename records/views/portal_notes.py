"""The client's own signed session notes (when their program lets clients read them).

Never a draft, never a group summary, never another client's note: notes_visible_to decides."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from iop.accounts.decorators import client_required
from iop.accounts.selectors import own_client_profile
from records import selectors
from records.models import SessionNote


@client_required
def notes(request):
    """The client's signed notes, newest first."""
    client = own_client_profile(request)
    settings = selectors.record_settings_for(client.program_id)
    rows = selectors.notes_of_client_for(request.user, client)
    return render(
        request,
        "records/portal/notes.html",
        {"notes": rows, "shown": settings.clients_see_signed_notes},
    )


@client_required
def note(request, note_id: int):
    own_client_profile(request)
    try:
        found = selectors.note_get_for(request.user, note_id)
    except SessionNote.DoesNotExist:
        raise Http404("No such note.") from None
    return render(
        request,
        "records/portal/note.html",
        {"note": found, "addenda": selectors.addenda_of(found)},
    )
