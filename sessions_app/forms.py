"""Forms of the sessions pages: input shape only; the services decide what is allowed."""

from __future__ import annotations

from django import forms

from sessions_app.models.attendance import CORRECTABLE


class CorrectionForm(forms.Form):
    status = forms.ChoiceField(choices=CORRECTABLE)
    minutes_attended = forms.IntegerField(required=False, min_value=0, label="Minutes attended")
    reason = forms.CharField(
        max_length=300,
        widget=forms.TextInput,
        label="Reason",
        # The banner shows the message alone, so it names what is missing.
        error_messages={"required": "Say why the attendance is being corrected."},
    )


class CancelForm(forms.Form):
    scope = forms.ChoiceField(
        choices=[
            ("one", "Only this session"),
            ("rest", "This and every later session of the series"),
        ],
        initial="one",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(max_length=200, required=False, label="Reason (told to clients)")


class MoveOneForm(forms.Form):
    """A new local date and time (in the program's time zone) for one occurrence."""

    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))


class MoveRestForm(forms.Form):
    start_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))
    duration_minutes = forms.IntegerField(min_value=1, label="Duration (minutes)")
    rule = forms.CharField(
        max_length=300,
        required=False,
        help_text="Leave empty to keep the days, e.g. FREQ=WEEKLY;BYDAY=TU,TH",
    )


class ChatForm(forms.Form):
    text = forms.CharField(max_length=1000, widget=forms.TextInput, label="Message")


class TargetForm(forms.Form):
    target_session = forms.TypedChoiceField(coerce=int, label="Make-up session")
    note = forms.CharField(max_length=300, required=False, label="Note (optional)")

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_session"].choices = list(choices)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("decline", "Decline")])
    note = forms.CharField(max_length=300, required=False)


class ReminderPreferenceForm(forms.Form):
    by_sms = forms.BooleanField(required=False, label="Text message reminders")
    by_email = forms.BooleanField(required=False, label="Email reminders")
