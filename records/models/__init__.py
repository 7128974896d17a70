"""The clinical record's data. Rooms:

settings.py  RecordSettings: a program's review interval, note format and weekly hours
plans.py     TreatmentPlan (versioned), PlanGoal, PlanObjective, PlanIntervention
notes.py     SessionNote (DAP/SOAP, signed then locked), GroupSummary, NoteAddendum,
             NoteCosignRequirement
"""

from records.models.notes import (
    SECTIONS,
    GroupSummary,
    NoteAddendum,
    NoteCosignRequirement,
    SessionNote,
)
from records.models.plans import (
    LevelOfCare,
    ObjectiveStatus,
    PlanGoal,
    PlanIntervention,
    PlanObjective,
    PlanStatus,
    TreatmentPlan,
)
from records.models.settings import NoteFormat, RecordSettings, Weekday

__all__ = [
    "SECTIONS",
    "GroupSummary",
    "NoteAddendum",
    "NoteCosignRequirement",
    "SessionNote",
    "LevelOfCare",
    "NoteFormat",
    "ObjectiveStatus",
    "PlanGoal",
    "PlanIntervention",
    "PlanObjective",
    "PlanStatus",
    "RecordSettings",
    "TreatmentPlan",
    "Weekday",
]
