"""The demo clinic's session notes: in `make run` clinician1 has a past group session with
notes to write, one signed note with an addendum, and an unsigned note past 72 hours on their
dashboard."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from iop.accounts.models import User
from records.models import NoteAddendum, SessionNote
from records.services import note_draft_create, note_sign
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_clinician1_documents_the_demo_session(settings):
    settings.DEBUG = True  # seed_demo refuses a production configuration
    call_command("seed_demo")
    call_command("seed_demo")  # safe to run again: nothing doubled
    clinician = User.objects.get(email="clinician1@demo.harbor")
    signed = SessionNote.objects.get(signed_at__isnull=False)
    assert signed.session.title == "Skills group (demo)" and signed.author == clinician
    assert NoteAddendum.objects.filter(note=signed).count() == 1
    browser = sign_in(clinician)
    dashboard = browser.get(reverse("staff:dashboard")).content.decode()
    draft = SessionNote.objects.get(signed_at__isnull=True)
    assert reverse("records_staff:note", args=[draft.pk]) in dashboard  # past 72 hours
    listing = browser.get(reverse("records_staff:session_notes", args=[signed.session_id]))
    assert "To write" in listing.content.decode()
    # The walkthrough: write and sign the next client's note.
    from records.selectors import session_note_rows

    row = next(r for r in session_note_rows(clinician, signed.session) if r.state == "To write")
    note = note_draft_create(
        actor=clinician,
        client=row.client,
        session_id=signed.session_id,
        sections={"data": "Took part.", "assessment": "Engaged.", "plan": "Continue."},
    )
    assert note_sign(actor=clinician, note=note, typed_name=clinician.full_name).is_signed
