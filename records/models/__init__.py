"""The clinical record's data. Rooms:

settings.py  RecordSettings: a program's review interval, note format and weekly hours
plans.py     TreatmentPlan (versioned), PlanGoal, PlanObjective, PlanIntervention
reviews.py   PlanReview (the review timers), ObjectiveReview (an objective's mark at a review)
hours.py     HoursCheck: when a program's weekly hours are next checked against its minimum
notes.py     SessionNote (DAP/SOAP, signed then locked), GroupSummary, NoteAddendum,
             NoteCosignRequirement
"""

from records.models.hours import HoursCheck
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
from records.models.reviews import (
    ObjectiveReview,
    PlanReview,
    ReviewReason,
)
from records.models.settings import (
    NoteFormat,
    RecordSettings,
    Weekday,
)

__all__ = [
    "GroupSummary",
    "HoursCheck",
    "LevelOfCare",
    "NoteAddendum",
    "NoteCosignRequirement",
    "NoteFormat",
    "ObjectiveReview",
    "ObjectiveStatus",
    "PlanGoal",
    "PlanIntervention",
    "PlanObjective",
    "PlanReview",
    "PlanStatus",
    "RecordSettings",
    "ReviewReason",
    "SECTIONS",
    "SessionNote",
    "TreatmentPlan",
    "Weekday",
]
