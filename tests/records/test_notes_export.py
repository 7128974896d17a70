"""The records export holds the client's signed individual notes with their addenda, never a
draft, another client's note or the group summary."""

from __future__ import annotations

import pytest

from records.services import (
    group_summary_save,
    note_addendum_add,
    note_draft_create,
    note_sign,
    record_export,
)
from tests.records.notes_world import DAP
from tests.records.test_export import pdf_text

pytestmark = pytest.mark.django_db


def test_the_export_holds_signed_notes_and_their_addenda_only(world, clinician, other_clinician):
    note = note_sign(
        actor=clinician,
        note=note_draft_create(
            actor=clinician, client=world.casey, session_id=world.session.pk, sections=DAP
        ),
        typed_name=clinician.full_name,
    )
    note_addendum_add(actor=clinician, note=note, reason="Late entry", text="Phoned next day.")
    olive = note_draft_create(
        actor=other_clinician,
        client=world.olive,
        session_id=world.session.pk,
        sections={"data": "OLIVESECRET", "assessment": "a", "plan": "p"},
    )
    note_sign(actor=other_clinician, note=olive, typed_name=other_clinician.full_name)
    group_summary_save(actor=clinician, session=world.session, text="GROUPSECRET summary")
    text = pdf_text(record_export(actor=clinician, client=world.casey).content)
    assert "Shared a difficult week." in text and "Phoned next day." in text
    assert "Present, 55 minutes" in text
    assert "OLIVESECRET" not in text and "GROUPSECRET" not in text
