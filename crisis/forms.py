"""Forms for the crisis pages; they only shape input, the services decide what is allowed."""

from __future__ import annotations

from django import forms

from crisis import instruments
from crisis.models import CheckInChannel, Disposition
from crisis.models.safety_plans import SECTIONS


def check_in_form(instrument: instruments.Instrument, data=None) -> forms.Form:
    """One radio group per item; required-ness and skip rules are the instrument's to judge."""
    fields: dict[str, forms.Field] = {}
    for item in instrument.items:
        fields[item.key] = forms.TypedChoiceField(
            # No printed numbers: skip rules leave gaps (1, 2, 6), which read as missing questions.
            label=item.text,
            choices=[(o.value, o.label) for o in item.options],
            coerce=int,
            required=False,
            widget=forms.RadioSelect(
                attrs={"data-shown-if": f"{item.shown_if.item}={item.shown_if.equals}"}
                if item.shown_if
                else {}
            ),
        )
    if instrument.allows_note:
        fields["note"] = forms.CharField(
            label="Anything you want to add?",
            required=False,
            max_length=500,
            widget=forms.Textarea(attrs={"rows": 3}),
        )
    form_class = type(f"{instrument.code.title()}Form", (forms.Form,), fields)
    return form_class(data)


class SafetyPlanForm(forms.Form):
    based_on_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    change_note = forms.CharField(
        label="What changed?",
        required=False,
        max_length=200,
        help_text="For example: added my sister's number.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, heading, prompt in SECTIONS:
            self.fields[name] = forms.CharField(
                label=heading,
                help_text=f"{prompt} One per line." if prompt else "",
                required=False,
                max_length=4000,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        # The change note reads best last.
        self.order_fields([name for name, _, _ in SECTIONS] + ["change_note", "based_on_version"])


class ResolveForm(forms.Form):
    disposition = forms.ChoiceField(
        choices=[("", "Choose how it ended…"), *Disposition.choices], required=False
    )
    note = forms.CharField(
        required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ContactForm(forms.Form):
    override_reason = forms.CharField(
        label="Imminent-risk reason (only without consent)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class NoteForm(forms.Form):
    text = forms.CharField(
        label="Add to the timeline", max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class OpenEventForm(forms.Form):
    summary = forms.CharField(
        label="What is happening?",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ScheduleForm(forms.Form):
    instrument = forms.ChoiceField(choices=instruments.choices)
    interval_days = forms.IntegerField(label="Every (days)", min_value=1, max_value=90, initial=7)
    channel = forms.ChoiceField(
        choices=[
            (CheckInChannel.PORTAL, "Portal"),
            (CheckInChannel.SMS, "Text message (mood only)"),
        ]
    )
    is_active = forms.BooleanField(label="Active", required=False, initial=True)


class FollowUpForm(forms.Form):
    note = forms.CharField(
        label="What happened",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
