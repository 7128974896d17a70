"""Forms of the session-note pages (the services validate again and have the last word)."""

from __future__ import annotations

from typing import Any

from django import forms

from records.models.notes import ADDENDUM_MAX, REASON_MAX, SECTION_MAX, SECTIONS, SUMMARY_MAX

LABELS = {
    "data": "Data: what was observed and said",
    "subjective": "Subjective: what the client reported",
    "objective": "Objective: what you observed",
    "assessment": "Assessment: your clinical reading",
    "plan": "Plan: next steps",
}


class NoteForm(forms.Form):
    """The note's sections in the program's format, and the plan objectives to tick."""

    def __init__(self, *args: Any, note_format: str, objectives: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        for name in SECTIONS[note_format]:
            self.fields[name] = forms.CharField(
                label=LABELS[name],
                required=False,
                max_length=SECTION_MAX,
                widget=forms.Textarea(attrs={"rows": 4}),
            )
        self.fields["objectives"] = forms.TypedMultipleChoiceField(
            label="Treatment plan objectives addressed",
            required=False,
            coerce=int,
            choices=[(o.pk, f"{o.text} (by {o.target_date:%b %-d, %Y})") for o in objectives],
            widget=forms.CheckboxSelectMultiple,
        )

    def sections(self) -> dict[str, str]:
        return {k: v for k, v in self.cleaned_data.items() if k != "objectives"}


class SignForm(forms.Form):
    typed_name = forms.CharField(
        label="Type your full name to sign", max_length=200, help_text="Signing locks the note."
    )


class AddendumForm(forms.Form):
    reason = forms.CharField(label="Why this addendum", max_length=REASON_MAX)
    text = forms.CharField(label="Addendum", max_length=ADDENDUM_MAX, widget=forms.Textarea)


class GroupSummaryForm(forms.Form):
    text = forms.CharField(
        label="Group summary (staff only: never shown to clients)",
        max_length=SUMMARY_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    typed_name = forms.CharField(
        label="Type your full name to sign it now",
        max_length=200,
        required=False,
        help_text="Leave empty to keep it as a draft.",
    )
