"""What a clinician writes into a treatment plan draft, as typed values, and its checks.

The editor page and the API both turn their input into a `PlanContent`; `content_errors` names
each problem by its field (`goals.0.objectives.1.target_date`), so nothing is saved half-way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from records.models import LevelOfCare

TEXT_MAX = 4000
LINE_MAX = 1000
LABEL_MAX = 120
CHANGE_NOTE_MAX = 300
GOALS_MAX = 12
OBJECTIVES_MAX = 12
INTERVENTIONS_MAX = 20


@dataclass(frozen=True)
class ObjectiveInput:
    text: str
    target_date: date | None


@dataclass(frozen=True)
class GoalInput:
    text: str
    objectives: tuple[ObjectiveInput, ...] = ()


@dataclass(frozen=True)
class InterventionInput:
    modality: str
    frequency: str
    responsible_clinician_id: int | None
    description: str = ""


@dataclass(frozen=True)
class PlanContent:
    presenting_problems: str = ""
    client_words: str = ""
    level_of_care: str = LevelOfCare.IOP
    goals: tuple[GoalInput, ...] = ()
    interventions: tuple[InterventionInput, ...] = field(default=())
    change_note: str = ""


def _too_long(errors: dict[str, list[str]], name: str, text: str, limit: int) -> None:
    if len(text) > limit:
        errors.setdefault(name, []).append(f"Keep this under {limit} characters.")


def content_errors(content: PlanContent, *, clinician_ids: set[int]) -> dict[str, list[str]]:
    """Every problem of the content, by field; empty when it may be saved. `clinician_ids` are
    the staff who may be named responsible for an intervention (the client's care team and
    the program's clinical staff)."""
    errors: dict[str, list[str]] = {}
    _too_long(errors, "presenting_problems", content.presenting_problems, TEXT_MAX)
    _too_long(errors, "client_words", content.client_words, TEXT_MAX)
    _too_long(errors, "change_note", content.change_note, CHANGE_NOTE_MAX)
    if content.level_of_care not in LevelOfCare.values:
        errors["level_of_care"] = [f"Choose one of: {', '.join(LevelOfCare.values)}."]
    if len(content.goals) > GOALS_MAX:
        errors["goals"] = [f"A plan has at most {GOALS_MAX} goals."]
    for g, goal in enumerate(content.goals[:GOALS_MAX]):
        if not goal.text.strip():
            errors[f"goals.{g}.text"] = ["Write the goal (or remove it)."]
        _too_long(errors, f"goals.{g}.text", goal.text, LINE_MAX)
        if len(goal.objectives) > OBJECTIVES_MAX:
            errors[f"goals.{g}.objectives"] = [f"A goal has at most {OBJECTIVES_MAX} objectives."]
        for o, objective in enumerate(goal.objectives[:OBJECTIVES_MAX]):
            name = f"goals.{g}.objectives.{o}"
            if not objective.text.strip():
                errors[f"{name}.text"] = ["Write the objective (or remove it)."]
            _too_long(errors, f"{name}.text", objective.text, LINE_MAX)
            if objective.target_date is None:
                errors[f"{name}.target_date"] = [
                    "Give the date this objective should be met by: an objective is measurable "
                    "only with a target date."
                ]
    if len(content.interventions) > INTERVENTIONS_MAX:
        errors["interventions"] = [f"A plan has at most {INTERVENTIONS_MAX} interventions."]
    for i, item in enumerate(content.interventions[:INTERVENTIONS_MAX]):
        name = f"interventions.{i}"
        for part, value in (("modality", item.modality), ("frequency", item.frequency)):
            if not value.strip():
                errors[f"{name}.{part}"] = ["This field is required."]
            _too_long(errors, f"{name}.{part}", value, LABEL_MAX)
        _too_long(errors, f"{name}.description", item.description, LINE_MAX)
        if item.responsible_clinician_id not in clinician_ids:
            errors[f"{name}.responsible_clinician"] = [
                "Choose a clinician of the client's care team or program."
            ]
    return errors


def completeness_errors(
    *, presenting_problems: str, goals: list[tuple[str, int]]
) -> dict[str, list[str]]:
    """What a version still lacks before it can be shared or signed: presenting problems, and
    at least one goal, each with at least one objective. `goals` is (text, objective count)."""
    errors: dict[str, list[str]] = {}
    if not presenting_problems.strip():
        errors["presenting_problems"] = ["Describe the presenting problems before signing."]
    if not goals:
        errors["goals"] = ["Add at least one goal with a measurable objective."]
    for g, (_, count) in enumerate(goals):
        if count == 0:
            errors[f"goals.{g}.objectives"] = ["Give this goal at least one objective."]
    return errors
