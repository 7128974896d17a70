"""Session-note pages: a clinician writes and signs a note from the session page; a client reads
only their own signed notes, never a group summary; the 72-hour dashboard card."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from iop.audit.models import AccessLog, Action
from records.models import GroupSummary, RecordSettings, SessionNote
from records.services import (
    group_summary_save,
    note_cosign_requirement_set,
    note_draft_create,
    note_sign,
)
from tests.conftest import sign_in
from tests.records.notes_world import DAP

pytestmark = pytest.mark.django_db


def signed_note(world, clinician, client=None, text=DAP):
    note = note_draft_create(
        actor=clinician, client=client or world.casey, session_id=world.session.pk, sections=text
    )
    return note_sign(actor=clinician, note=note, typed_name=clinician.full_name)


def test_clinician_writes_and_signs_a_note_from_the_session_page(world, clinician):
    browser = sign_in(clinician)
    session_page = browser.get(reverse("sessions_staff:detail", args=[world.session.pk]))
    notes_url = reverse("records_staff:session_notes", args=[world.session.pk])
    assert notes_url in session_page.content.decode()
    listing = browser.get(notes_url).content.decode()
    write_url = reverse("records_staff:note_write", args=[world.session.pk, world.casey.pk])
    assert write_url in listing and "To write" in listing
    editor = browser.get(write_url).content.decode()
    assert "<strong>Present</strong>, <strong>55</strong> minutes" in editor
    assert "Use one coping skill daily" in editor  # the objective to tick
    response = browser.post(write_url, {**DAP, "objectives": [world.casey_objective.pk]})
    note = SessionNote.objects.get(client=world.casey)
    assert response.status_code == 302
    assert response["Location"] == reverse("records_staff:note", args=[note.pk])
    bad = browser.post(reverse("records_staff:note_sign", args=[note.pk]), {"typed_name": "X"})
    assert bad.status_code == 400 and "Type your full name" in bad.content.decode()
    browser.post(
        reverse("records_staff:note_sign", args=[note.pk]), {"typed_name": clinician.full_name}
    )
    note.refresh_from_db()
    assert note.is_signed and list(note.objectives.all()) == [world.casey_objective]
    locked = browser.post(write_url, {**DAP, "plan": "Changed after signing."})
    assert locked.status_code == 409
    assert "addendum" in locked.content.decode()
    note.refresh_from_db()
    assert note.plan == DAP["plan"]
    reopened = browser.get(write_url).content.decode()  # no form left to fill in vain
    assert 'id="note-locked"' in reopened and 'id="note-form"' not in reopened
    browser.post(
        reverse("records_staff:note_addendum", args=[note.pk]),
        {"reason": "Late entry", "text": "Phoned the next day."},
    )
    page = browser.get(reverse("records_staff:note", args=[note.pk])).content.decode()
    assert "Phoned the next day." in page and "Why: Late entry" in page


def test_client_sees_only_their_own_signed_notes_and_never_the_group_summary(
    world, clinician, other_clinician
):
    mine = signed_note(world, clinician)
    theirs = signed_note(
        world,
        other_clinician,
        client=world.olive,
        text={"data": "Olive spoke about her sister.", "assessment": "Calm.", "plan": "Continue."},
    )
    draft = SessionNote.objects.filter(pk=mine.pk)  # noqa: F841 - kept for clarity
    group_summary_save(
        actor=clinician, session=world.session, text="Casey and Olive both shared; GROUPSECRET."
    )
    casey = sign_in(world.casey.user)
    listing = casey.get(reverse("records:notes")).content.decode()
    assert reverse("records:note", args=[mine.pk]) in listing
    assert reverse("records:note", args=[theirs.pk]) not in listing
    page = casey.get(reverse("records:note", args=[mine.pk])).content.decode()
    assert "Shared a difficult week." in page
    assert "GROUPSECRET" not in page and "Olive" not in page
    assert casey.get(reverse("records:note", args=[theirs.pk])).status_code == 404
    assert AccessLog.objects.filter(
        actor=world.casey.user, action=Action.VIEW, object_id=str(mine.pk)
    ).exists()


def test_a_draft_and_a_program_that_hides_notes_show_the_client_nothing(world, clinician):
    draft = note_draft_create(
        actor=clinician, client=world.casey, session_id=world.session.pk, sections=DAP
    )
    casey = sign_in(world.casey.user)
    assert casey.get(reverse("records:note", args=[draft.pk])).status_code == 404
    note_sign(actor=clinician, note=draft, typed_name=clinician.full_name)
    assert casey.get(reverse("records:note", args=[draft.pk])).status_code == 200
    RecordSettings.objects.create(program=world.casey.program, clients_see_signed_notes=False)
    assert casey.get(reverse("records:note", args=[draft.pk])).status_code == 404
    assert draft.data not in casey.get(reverse("records:notes")).content.decode()


def test_group_summary_is_for_staff_only(world, clinician):
    browser = sign_in(clinician)
    url = reverse("records_staff:group_summary", args=[world.session.pk])
    assert browser.post(url, {"text": ""}).status_code == 400
    browser.post(url, {"text": "Everyone practised grounding.", "typed_name": clinician.full_name})
    summary = GroupSummary.objects.get(session=world.session)
    assert summary.is_signed
    page = browser.get(reverse("records_staff:session_notes", args=[world.session.pk]))
    assert "Everyone practised grounding." in page.content.decode()
    # Not in a client's individual note page, even for staff.
    note = signed_note(world, clinician)
    note_page = browser.get(reverse("records_staff:note", args=[note.pk])).content.decode()
    assert "Everyone practised grounding." not in note_page


def test_unsigned_notes_past_72_hours_reach_the_clinicians_and_supervisors_dashboards(
    world, clinician, supervisor, other_clinician
):
    note = note_draft_create(
        actor=clinician, client=world.casey, session_id=world.session.pk, sections=DAP
    )
    note_url = reverse("records_staff:note", args=[note.pk])
    ended = world.session.ends_at
    with time_machine.travel(ended + timedelta(hours=71), tick=False):
        assert note_url not in sign_in(clinician).get(reverse("staff:dashboard")).content.decode()
    with time_machine.travel(ended + timedelta(hours=73), tick=False):
        for person in (clinician, supervisor):
            page = sign_in(person).get(reverse("staff:dashboard")).content.decode()
            assert note_url in page, person
        other = sign_in(other_clinician).get(reverse("staff:dashboard")).content.decode()
        assert note_url not in other


def test_notes_awaiting_cosignature_reach_the_supervisor(world, clinician, supervisor):
    note_cosign_requirement_set(actor=supervisor, clinician=clinician, required=True)
    note = signed_note(world, clinician)
    browser = sign_in(supervisor)
    page = browser.get(reverse("staff:dashboard")).content.decode()
    assert "Awaiting your co-signature" in page
    assert reverse("records_staff:note", args=[note.pk]) in page
    browser.post(
        reverse("records_staff:note_cosign", args=[note.pk]), {"typed_name": supervisor.full_name}
    )
    note.refresh_from_db()
    assert note.cosigned_by == supervisor
    assert (
        "Awaiting your co-signature" not in browser.get(reverse("staff:dashboard")).content.decode()
    )
    assert timezone.now() >= note.cosigned_at
