"""The ticket pages' forms: input checked here, rules in the services (errors come back through
iop.form_errors.apply_errors)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils import timezone

from support.models import TicketCategory, TicketPriority, TicketStatus
from support.services.tickets import BODY_MAX, COMMENT_MAX, SUBJECT_MAX

STAFF_STATUSES = [(v, label) for v, label in TicketStatus.choices if v != TicketStatus.NEW]


class TicketForm(forms.Form):
    category = forms.ChoiceField(label="What is it about?", choices=TicketCategory.choices)
    subject = forms.CharField(label="In a few words", max_length=SUBJECT_MAX)
    body = forms.CharField(
        label="What happened?",
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What you tried and what you saw. Please don't include health details: "
        "support staff help with technology, not care.",
    )
    session = forms.TypedChoiceField(
        label="The session it concerns",
        required=False,
        coerce=int,
        empty_value=None,
        help_text="If a session starts within 30 minutes, we treat your request as urgent.",
    )

    def __init__(self, *args: Any, sessions: Sequence[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[Any, str]] = [("", "None")]
        for session in sessions:
            local = timezone.localtime(session.starts_at)
            choices.append((session.pk, f"{session.title}, {local:%a %d %b %H:%M}"))
        field = self.fields["session"]
        if isinstance(field, forms.TypedChoiceField):
            field.choices = choices
        if len(choices) == 1:
            self.fields["session"].widget = forms.HiddenInput()


class ReplyForm(forms.Form):
    body = forms.CharField(
        label="Your reply", max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )


class AgentReplyForm(forms.Form):
    body = forms.CharField(
        label="Reply",
        max_length=BODY_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Leave empty to send the canned reply as it stands.",
    )
    macro = forms.TypedChoiceField(
        label="Canned reply", required=False, coerce=int, empty_value=None
    )
    internal = forms.BooleanField(
        label="Internal note (the requester never sees it)", required=False
    )

    def __init__(self, *args: Any, macros: Sequence[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["macro"]
        if isinstance(field, forms.TypedChoiceField):
            field.choices = [("", "None")] + [(m.pk, m.name) for m in macros]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("body") or "").strip() and not data.get("macro"):
            self.add_error("body", "Write a reply or choose a canned reply.")
        if data.get("macro") and data.get("internal"):
            self.add_error("internal", "Canned replies are public replies.")
        return data


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=STAFF_STATUSES)


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(choices=TicketPriority.choices)


class AssignForm(forms.Form):
    assignee = forms.TypedChoiceField(
        label="Assign to", required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args: Any, agents: Sequence[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        if isinstance(field, forms.TypedChoiceField):
            field.choices = [("", "Nobody (the queue)")] + [
                (a.pk, f"{a.display_name} ({a.get_role_display()})") for a in agents
            ]


class EscalateForm(forms.Form):
    reason = forms.CharField(label="Why", max_length=500, required=False)


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label="How did we do?",
        choices=[(n, f"{n}") for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
        help_text="5 is very good, 1 is poor.",
    )
    comment = forms.CharField(
        label="Anything to add?",
        max_length=COMMENT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class QueueFilterForm(forms.Form):
    """The queue's filters (GET): a value that is not one of the choices is shown as an error
    and ignored."""

    mine = forms.BooleanField(required=False, label="Mine")
    unassigned = forms.BooleanField(required=False, label="Unassigned")
    tier = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Any tier"), (1, "Tier 1"), (2, "Tier 2")],
    )
    status = forms.ChoiceField(
        required=False, choices=[("", "Active")] + list(TicketStatus.choices)
    )
    category = forms.ChoiceField(
        required=False, choices=[("", "Any category")] + list(TicketCategory.choices)
    )
