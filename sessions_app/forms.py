"""Forms of the sessions pages: input shape only; the services decide what is allowed."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.core.exceptions import ValidationError
from django.utils.timezone import localtime

from iop.accounts.models import ClientProfile
from iop.domain import DomainError
from iop.form_errors import apply_errors
from iop.viewer import Actor
from sessions_app.models import Session
from sessions_app.models.attendance import CORRECTABLE
from sessions_app.services import makeup_request


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
    # Made when the page renders, so submitting the form twice stores the reply once; its
    # length and characters are the service's to check.
    client_message_id = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)


def _group_of(session: Session) -> str:
    return f" ({session.group})"


def _when(session: Session) -> str:
    return f"{localtime(session.starts_at):%a %d %b, %H:%M}"


class TargetForm(forms.Form):
    """A make-up session for a missed one: asked by the client, or offered by staff."""

    target_session = forms.TypedChoiceField(coerce=int, label="Make-up session")
    note = forms.CharField(max_length=300, required=False, label="Note (optional)")

    def __init__(self, *args, targets: Sequence[Session] = (), with_group: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.targets = list(targets)
        field = self.fields["target_session"]
        if isinstance(field, forms.TypedChoiceField):
            field.choices = [
                (s.pk, f"{s.title}{_group_of(s) if with_group else ''}: {_when(s)}")
                for s in self.targets
            ]

    def request_makeup(self, *, actor: Actor, client: ClientProfile, missed: Session) -> bool:
        """Call the make-up service with the chosen session; its errors land on this form."""
        chosen = self.cleaned_data["target_session"]
        target = next((s for s in self.targets if s.pk == chosen), None)
        try:
            if target is None:
                raise ValidationError({"target_session": ["That session is no longer available."]})
            makeup_request(
                actor=actor,
                client=client,
                missed_session=missed,
                target_session=target,
                note=self.cleaned_data["note"],
            )
        except (ValidationError, DomainError) as error:
            apply_errors(self, error)
            return False
        return True


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("decline", "Decline")])
    note = forms.CharField(max_length=300, required=False)


class ReminderPreferenceForm(forms.Form):
    by_sms = forms.BooleanField(required=False, label="Text message reminders")
    by_email = forms.BooleanField(required=False, label="Email reminders")
