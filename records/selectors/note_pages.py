"""The session-note pages' reads (audited): a session's notes to write, a client's objectives."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from iop.accounts.models import ClientProfile
from iop.audit.services import access_record_list
from iop.viewer import Viewer
from records.models import PlanObjective, PlanStatus, SessionNote
from records.selectors.notes import notes_of_session_for
from sessions_app.selectors import ATTENDED_STATUSES, attendance_of_sessions, roster


@dataclass(frozen=True)
class NoteRow:
    """One client of a session: their attendance and where their note stands."""

    client: ClientProfile
    attendance: Any
    note: SessionNote | None

    @property
    def attended(self) -> bool:
        return self.attendance is not None and self.attendance.status in ATTENDED_STATUSES

    @property
    def state(self) -> str:
        if self.note is None:
            return "To write" if self.attended else "No note (did not attend)"
        if not self.note.is_signed:
            return "Draft"
        if self.note.needs_cosign and self.note.cosigned_at is None:
            return "Signed, awaiting co-signature"
        return "Signed"


def session_note_rows(viewer: Viewer, session: Any) -> list[NoteRow]:
    """Everyone expected at the session (already scoped), attended first, with their notes."""
    notes = notes_of_session_for(viewer, session)
    people = roster(session)
    access_record_list(
        actor=viewer, clients=[r["client"] for r in people], object_type="records.session_notes"
    )
    rows = [NoteRow(r["client"], r["attendance"], notes.get(r["client"].pk)) for r in people]
    return sorted(rows, key=lambda r: not r.attended)


def session_note_counts(session: Any) -> dict[str, int]:
    """How many notes of a session (already scoped) are to write, drafts and signed: counts
    only, naming no one, in two queries."""
    attended = {
        client_id
        for (_, client_id), a in attendance_of_sessions([session]).items()
        if a.status in ATTENDED_STATUSES
    }
    states = dict(SessionNote.objects.filter(session=session).values_list("client_id", "signed_at"))
    return {
        "to_write": len(attended - set(states)),
        "drafts": sum(1 for signed in states.values() if signed is None),
        "signed": sum(1 for signed in states.values() if signed is not None),
    }


def objectives_for(client: ClientProfile) -> list[PlanObjective]:
    """The objectives of the client's current plans (not superseded versions); `client` comes
    from a scoped selector."""
    return list(
        PlanObjective.objects.filter(goal__plan__client=client)
        .exclude(goal__plan__status=PlanStatus.SUPERSEDED)
        .order_by("goal__plan__version", "goal__position", "position")
    )
