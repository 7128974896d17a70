"""Every read of the clinical record, scoped to the viewer. Rooms:

settings.py  record_settings_for (a program's settings, defaults when none are saved)
note_pages.py  the session-note pages: a session's rows, a client's objectives
notes.py     session notes, addenda and group summaries the viewer may see; overdue drafts and
             notes awaiting co-signature for the dashboards
"""

from records.selectors.note_pages import (
    NoteRow,
    objectives_for,
    session_note_counts,
    session_note_rows,
)
from records.selectors.notes import (
    SIGN_WITHIN,
    addenda_of,
    group_summary_for,
    note_client_for,
    note_get_for,
    note_list_audit,
    notes_awaiting_cosign,
    notes_of_client_for,
    notes_of_session_for,
    notes_unsigned_overdue,
    notes_visible_to,
    objectives_of,
    with_objective_ids,
)
from records.selectors.settings import record_settings_for

__all__ = [
    "NoteRow",
    "objectives_for",
    "session_note_counts",
    "session_note_rows",
    "SIGN_WITHIN",
    "addenda_of",
    "group_summary_for",
    "note_client_for",
    "note_get_for",
    "note_list_audit",
    "notes_awaiting_cosign",
    "notes_of_client_for",
    "notes_of_session_for",
    "notes_unsigned_overdue",
    "notes_visible_to",
    "objectives_of",
    "with_objective_ids",
    "record_settings_for",
]
