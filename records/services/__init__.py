"""Every write of the clinical record. Rooms:

settings.py         record_settings_update (a program's plan, note and hours settings)
export.py           record_export (a client's signed plans and notes as one PDF, audited)
notes.py            note_draft_create, note_draft_update, note_sign (session notes)
note_review.py      note_addendum_add, note_cosign, note_cosign_requirement_set
group_summaries.py  group_summary_save, group_summary_sign (staff-only group summaries)
"""

from records.services.export import record_export
from records.services.group_summaries import group_summary_save, group_summary_sign
from records.services.note_review import (
    note_addendum_add,
    note_cosign,
    note_cosign_requirement_set,
)
from records.services.notes import note_draft_create, note_draft_update, note_sign
from records.services.settings import record_settings_update

__all__ = [
    "group_summary_save",
    "group_summary_sign",
    "note_addendum_add",
    "note_cosign",
    "note_cosign_requirement_set",
    "note_draft_create",
    "note_draft_update",
    "note_sign",
    "record_export",
    "record_settings_update",
]
