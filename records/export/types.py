"""What a client's exported record contains, as typed values the renderer reads.

Only what is signed is exported: each plan version signed by client and clinician, and each
signed individual note. A note's type has no place for a group summary, which names others.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class Signature:
    """A typed-name signature: who signed (as they typed it), in what role, and when."""

    role: str  # "Clinician", "Client", "Co-signing supervisor"
    name: str
    signed_at: datetime


@dataclass(frozen=True)
class ClientHeader:
    client_id: int
    full_name: str
    record_number: str
    program: str
    time_zone: str
    date_of_birth: date | None = None
    admitted_on: date | None = None
    discharged_on: date | None = None


@dataclass(frozen=True)
class ExportedObjective:
    text: str
    target_date: date
    status: str  # as the clinic says it: "Progressing", "Met", ...


@dataclass(frozen=True)
class ExportedGoal:
    text: str
    objectives: tuple[ExportedObjective, ...] = ()


@dataclass(frozen=True)
class ExportedIntervention:
    modality: str
    frequency: str
    responsible: str
    description: str = ""


@dataclass(frozen=True)
class ExportedPlan:
    """One signed version of the treatment plan (the current one, or one since superseded)."""

    version: int
    is_current: bool
    level_of_care: str
    presenting_problems: str
    client_words: str
    goals: tuple[ExportedGoal, ...]
    interventions: tuple[ExportedIntervention, ...]
    signatures: tuple[Signature, ...]
    change_note: str = ""


@dataclass(frozen=True)
class NoteSection:
    heading: str  # "Data", "Assessment", "Plan" (DAP) or "Subjective", ... (SOAP)
    text: str


@dataclass(frozen=True)
class Addendum:
    """A correction after signing: who, when, why, and what."""

    author: str
    written_at: datetime
    reason: str
    text: str


@dataclass(frozen=True)
class ExportedNote:
    """One signed individual note about this client (never a group session's shared summary)."""

    client_id: int
    session: str  # the session's title, e.g. "Skills group"
    session_starts_at: datetime
    note_format: str  # "DAP" or "SOAP"
    attendance: str  # "Present, 90 minutes"
    sections: tuple[NoteSection, ...]
    signatures: tuple[Signature, ...]
    objectives_addressed: tuple[str, ...] = ()
    addenda: tuple[Addendum, ...] = ()


@dataclass(frozen=True)
class RecordExport:
    """Everything one PDF holds, for one client."""

    client: ClientHeader
    plans: tuple[ExportedPlan, ...]
    notes: tuple[ExportedNote, ...]
    exported_at: datetime
    exported_by: str
