"""Session notes: drafting from attendance, signing and locking, addenda, co-signature."""

from __future__ import annotations

import pytest

from iop.audit.models import AccessLog, Action
from iop.domain import Conflict, DomainError, NotAllowed
from records.models import NoteAddendum, NoteFormat, RecordSettings, SessionNote
from records.services import (
    note_addendum_add,
    note_cosign,
    note_cosign_requirement_set,
    note_draft_create,
    note_draft_update,
    note_sign,
)
from sessions_app.models import AttendanceStatus
from tests.records.notes_world import DAP, attend
from tests.sessions_app.conftest import make_session

pytestmark = pytest.mark.django_db


def draft(world, clinician, **kwargs):
    kwargs.setdefault("sections", DAP)
    return note_draft_create(
        actor=clinician, client=world.casey, session_id=world.session.pk, **kwargs
    )


def test_a_draft_copies_attendance_and_minutes_and_links_objectives(world, clinician):
    note = draft(world, clinician, objectives=[world.casey_objective.pk])
    note.refresh_from_db()
    assert (note.attendance_status, note.minutes_attended) == ("present", 55)
    assert note.note_format == NoteFormat.DAP
    assert note.data == "Shared a difficult week."
    assert list(note.objectives.all()) == [world.casey_objective]
    assert AccessLog.objects.filter(
        action=Action.CREATE, object_type="records.SessionNote", object_id=str(note.pk)
    ).exists()


def test_the_note_body_is_encrypted_at_rest(world, clinician):
    from django.db import connection

    note = draft(world, clinician)
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM records_sessionnote WHERE id = %s", [note.pk])
        stored = cursor.fetchone()[0]
    assert "difficult week" not in stored


def test_soap_programs_write_soap_sections_only(world, clinician):
    RecordSettings.objects.create(program=world.casey.program, note_format=NoteFormat.SOAP)
    with pytest.raises(DomainError) as error:
        draft(world, clinician)
    assert error.value.fields["data"] == ["Not a section of a SOAP note."]
    note = draft(world, clinician, sections={"subjective": "Tired.", "objective": "Calm."})
    assert [name for name, _ in note.sections] == ["subjective", "objective", "assessment", "plan"]


def test_another_clients_objective_is_refused_and_nothing_saved(world, clinician):
    with pytest.raises(DomainError) as error:
        draft(world, clinician, objectives=[world.olive_objective.pk])
    assert "objectives" in error.value.fields
    assert not SessionNote.objects.exists()


def test_no_note_for_a_client_who_did_not_attend(world, clinician, client_profile):
    other = make_session(world.group, starts_at=world.session.starts_at.replace(year=2025))
    attend(other, client_profile, AttendanceStatus.NO_SHOW, 0)
    with pytest.raises(DomainError) as error:
        note_draft_create(actor=clinician, client=client_profile, session_id=other.pk, sections={})
    assert "did not attend (no-show)" in error.value.fields["client"][0]


def test_who_may_write_a_note(world, clinician, other_clinician, support_agent, client_profile):
    # other_clinician is on Olive's care team, not a facilitator: Olive's note yes, Casey's no.
    note_draft_create(actor=other_clinician, client=world.olive, session_id=world.session.pk)
    with pytest.raises(NotAllowed):
        note_draft_create(actor=other_clinician, client=world.casey, session_id=world.session.pk)
    for outsider in (support_agent, client_profile.user):
        with pytest.raises(NotAllowed):
            note_draft_create(actor=outsider, client=world.casey, session_id=world.session.pk)


def test_signing_locks_the_note_and_editing_it_is_a_conflict_naming_the_addendum(world, clinician):
    note = draft(world, clinician)
    with pytest.raises(DomainError) as error:
        note_sign(actor=clinician, note=note, typed_name="Someone Else")
    assert "typed_name" in error.value.fields
    note.refresh_from_db()
    assert note.signed_at is None
    signed = note_sign(actor=clinician, note=note, typed_name=f"  {clinician.full_name.upper()} ")
    assert signed.signed_by == clinician and signed.signed_at is not None
    with pytest.raises(Conflict) as conflict:
        note_draft_update(actor=clinician, note=signed, sections={"plan": "Changed."})
    assert f"/api/v1/session-notes/{note.pk}/addendum/" in conflict.value.message
    assert conflict.value.status == 409
    signed.refresh_from_db()
    assert signed.plan == "Practise skills."
    with pytest.raises(Conflict):
        note_sign(actor=clinician, note=signed, typed_name=clinician.full_name)


def test_every_section_is_written_before_signing(world, clinician):
    note = draft(world, clinician, sections={"data": "Only data."})
    with pytest.raises(DomainError) as error:
        note_sign(actor=clinician, note=note, typed_name=clinician.full_name)
    assert set(error.value.fields) == {"assessment", "plan"}


def test_only_the_author_signs(world, clinician, supervisor):
    note = draft(world, clinician)
    with pytest.raises(NotAllowed) as error:
        note_sign(actor=supervisor, note=note, typed_name=supervisor.full_name)
    assert error.value.status == 403
    note.refresh_from_db()
    assert note.signed_at is None


def test_only_the_author_edits_a_draft(world, clinician, supervisor):
    note = draft(world, clinician)
    with pytest.raises(NotAllowed):
        note_draft_update(actor=supervisor, note=note, sections={"plan": "Mine now."})
    note_draft_update(actor=clinician, note=note, sections={"plan": "Revised."})
    note.refresh_from_db()
    assert note.plan == "Revised."


def test_addenda_only_after_signing(world, clinician, supervisor):
    note = draft(world, clinician)
    with pytest.raises(Conflict):
        note_addendum_add(actor=clinician, note=note, reason="Late entry", text="More.")
    assert not NoteAddendum.objects.exists()
    note = note_sign(actor=clinician, note=note, typed_name=clinician.full_name)
    with pytest.raises(DomainError) as error:
        note_addendum_add(actor=clinician, note=note, reason="", text="More.")
    assert "reason" in error.value.fields
    addendum = note_addendum_add(
        actor=clinician, note=note, reason="Late entry", text="Called the client after."
    )
    note_addendum_add(actor=supervisor, note=note, reason="Review", text="Reviewed.")
    assert [a.author for a in note.addenda.all()] == [clinician, supervisor]
    addendum.refresh_from_db()
    assert (addendum.reason, addendum.text) == ("Late entry", "Called the client after.")
    assert AccessLog.objects.filter(
        action=Action.CREATE, object_type="records.NoteAddendum", object_id=str(addendum.pk)
    ).exists()


def test_a_flagged_clinicians_note_is_cosigned_by_a_program_supervisor(
    world, clinician, supervisor, other_supervisor, admin_user
):
    note_cosign_requirement_set(actor=admin_user, clinician=clinician, required=True)
    note = note_sign(actor=clinician, note=draft(world, clinician), typed_name=clinician.full_name)
    assert note.needs_cosign
    with pytest.raises(NotAllowed):
        note_cosign(actor=other_supervisor, note=note, typed_name=other_supervisor.full_name)
    with pytest.raises(NotAllowed):
        note_cosign(actor=clinician, note=note, typed_name=clinician.full_name)
    cosigned = note_cosign(actor=supervisor, note=note, typed_name=supervisor.full_name)
    assert cosigned.cosigned_by == supervisor and cosigned.cosigned_at is not None
    with pytest.raises(Conflict):
        note_cosign(actor=supervisor, note=cosigned, typed_name=supervisor.full_name)


def test_a_note_that_needs_no_cosignature_cannot_be_cosigned(world, clinician, supervisor):
    note = note_sign(actor=clinician, note=draft(world, clinician), typed_name=clinician.full_name)
    assert not note.needs_cosign
    with pytest.raises(Conflict):
        note_cosign(actor=supervisor, note=note, typed_name=supervisor.full_name)


def test_the_cosign_flag_is_set_by_an_admin_or_the_program_supervisor(
    clinician, other_supervisor, supervisor
):
    with pytest.raises(NotAllowed):
        note_cosign_requirement_set(actor=other_supervisor, clinician=clinician, required=True)
    row = note_cosign_requirement_set(actor=supervisor, clinician=clinician, required=True)
    assert row is not None and row.set_by == supervisor
    assert (
        note_cosign_requirement_set(actor=supervisor, clinician=clinician, required=False) is None
    )
    assert not type(row).objects.exists()
