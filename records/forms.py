"""Forms of the treatment plan pages. The editor's fields are named as the service names its
errors (`goals.0.objectives.1.target_date`), so `apply_errors` puts each on its field."""

from __future__ import annotations

from typing import Any

from django import forms

from iop.accounts.models import User
from records.models import LevelOfCare, ObjectiveStatus, PlanObjective, TreatmentPlan
from records.plan_content import (
    CHANGE_NOTE_MAX,
    LABEL_MAX,
    LINE_MAX,
    TEXT_MAX,
    GoalInput,
    InterventionInput,
    ObjectiveInput,
    PlanContent,
)

SPARE_ROWS = 1


def _text(label: str, limit: int, *, rows: int = 2, required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=limit,
        required=required,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class PlanEditForm(forms.Form):
    """The draft's text: its goals (each with objectives) and interventions, and a spare empty
    row of each to add one; a row left empty is dropped."""

    def __init__(self, *args: Any, plan: TreatmentPlan, clinicians: list[User], **kwargs: Any):
        super().__init__(*args, **kwargs)
        f = self.fields
        f["presenting_problems"] = _text("Presenting problems", TEXT_MAX, rows=4, required=True)
        f["client_words"] = _text("The client's own words for their goals", TEXT_MAX, rows=3)
        f["level_of_care"] = forms.ChoiceField(label="Level of care", choices=LevelOfCare.choices)
        self.initial.update(
            presenting_problems=plan.presenting_problems,
            client_words=plan.client_words,
            level_of_care=plan.level_of_care,
        )
        goals = list(plan.goals.all())
        for g in range(len(goals) + SPARE_ROWS):
            goal = goals[g] if g < len(goals) else None
            f[f"goals.{g}.text"] = _text(f"Goal {g + 1}", LINE_MAX)
            objectives: list[PlanObjective] = list(goal.objectives.all()) if goal else []
            if goal:
                self.initial[f"goals.{g}.text"] = goal.text
            for o in range(len(objectives) + SPARE_ROWS):
                name = f"goals.{g}.objectives.{o}"
                f[f"{name}.text"] = _text(f"Goal {g + 1}, objective {o + 1}", LINE_MAX)
                f[f"{name}.target_date"] = forms.DateField(
                    label=f"Goal {g + 1}, objective {o + 1}: target date",
                    required=False,
                    widget=forms.DateInput(attrs={"type": "date"}),
                )
                if o < len(objectives):
                    self.initial[f"{name}.text"] = objectives[o].text
                    self.initial[f"{name}.target_date"] = objectives[o].target_date
        choices = [("", "—")] + [(str(c.pk), c.display_name) for c in clinicians]
        interventions = list(plan.interventions.all())
        for i in range(len(interventions) + SPARE_ROWS):
            name = f"interventions.{i}"
            f[f"{name}.modality"] = forms.CharField(
                label=f"Intervention {i + 1}: modality", max_length=LABEL_MAX, required=False
            )
            f[f"{name}.frequency"] = forms.CharField(
                label=f"Intervention {i + 1}: frequency", max_length=LABEL_MAX, required=False
            )
            f[f"{name}.responsible_clinician"] = forms.ChoiceField(
                label=f"Intervention {i + 1}: responsible clinician",
                choices=choices,
                required=False,
            )
            f[f"{name}.description"] = _text(f"Intervention {i + 1}: description", LINE_MAX)
            if i < len(interventions):
                item = interventions[i]
                self.initial.update(
                    {
                        f"{name}.modality": item.modality,
                        f"{name}.frequency": item.frequency,
                        f"{name}.responsible_clinician": str(item.responsible_clinician_id),
                        f"{name}.description": item.description,
                    }
                )
        f["change_note"] = forms.CharField(
            label="What changed in this version", max_length=CHANGE_NOTE_MAX, required=False
        )
        self.initial["change_note"] = plan.change_note
        self.goal_rows, self.intervention_rows = (
            len(goals) + SPARE_ROWS,
            len(interventions) + SPARE_ROWS,
        )
        self.names: dict[str, str] = {}

    def content(self) -> PlanContent:
        """The typed content (after is_valid); `names` maps its indices back to the fields."""
        data = self.cleaned_data
        goals: list[GoalInput] = []
        self.names = {}
        for g in range(self.goal_rows):
            objectives: list[ObjectiveInput] = []
            o = 0
            while f"goals.{g}.objectives.{o}.text" in data:
                text = data[f"goals.{g}.objectives.{o}.text"].strip()
                when = data[f"goals.{g}.objectives.{o}.target_date"]
                if text or when:
                    self.names[f"goals.{len(goals)}.objectives.{len(objectives)}"] = (
                        f"goals.{g}.objectives.{o}"
                    )
                    objectives.append(ObjectiveInput(text, when))
                o += 1
            text = data[f"goals.{g}.text"].strip()
            if text or objectives:
                self.names[f"goals.{len(goals)}"] = f"goals.{g}"
                goals.append(GoalInput(text, tuple(objectives)))
        interventions: list[InterventionInput] = []
        for i in range(self.intervention_rows):
            name = f"interventions.{i}"
            parts = [data[f"{name}.{p}"].strip() for p in ("modality", "frequency", "description")]
            who = data[f"{name}.responsible_clinician"]
            if any(parts) or who:
                self.names[f"interventions.{len(interventions)}"] = name
                interventions.append(
                    InterventionInput(parts[0], parts[1], int(who) if who else None, parts[2])
                )
        return PlanContent(
            presenting_problems=data["presenting_problems"],
            client_words=data["client_words"],
            level_of_care=data["level_of_care"],
            goals=tuple(goals),
            interventions=tuple(interventions),
            change_note=data["change_note"],
        )

    def field_for(self, error_key: str) -> str:
        """The form field a service error names (its indices are the content's)."""
        parts = error_key.split(".")
        for cut in range(len(parts), 0, -1):
            prefix = ".".join(parts[:cut])
            if prefix in self.names:
                return ".".join([self.names[prefix], *parts[cut:]])
        return error_key


class SignForm(forms.Form):
    typed_name = forms.CharField(
        label="Type your full name to sign",
        max_length=200,
        help_text="Your typed name and the time are recorded as your signature.",
    )


class CommentForm(forms.Form):
    comment = forms.CharField(
        label="Your comment for your care team",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What you would like changed; your clinician will update the plan with you.",
    )


MARK_CHOICES = [
    (s.value, s.label)
    for s in (ObjectiveStatus.MET, ObjectiveStatus.PROGRESSING, ObjectiveStatus.NOT_MET)
]


class ReviewForm(forms.Form):
    """One mark per objective of the signed plan, and a summary."""

    def __init__(self, *args: Any, objectives: list[PlanObjective], **kwargs: Any):
        super().__init__(*args, **kwargs)
        for objective in objectives:
            self.fields[f"marks.{objective.pk}"] = forms.ChoiceField(
                label=objective.text, choices=MARK_CHOICES, widget=forms.RadioSelect
            )
        self.fields["summary"] = _text("Review summary", 4000, rows=4)
        self.objective_ids = [o.pk for o in objectives]

    def marks(self) -> dict[int, str]:
        return {pk: self.cleaned_data[f"marks.{pk}"] for pk in self.objective_ids}
