"""The forms of the care-team thread pages (the service checks everything again)."""

from __future__ import annotations

from django import forms

from messaging.models import BODY_MAX, SUBJECT_MAX


class MessageForm(forms.Form):
    body = forms.CharField(
        label="Your message",
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Write your message first."},
    )


class NewThreadForm(forms.Form):
    subject = forms.CharField(label="Subject", max_length=SUBJECT_MAX, required=False)
    body = MessageForm.base_fields["body"]


class StaffNewThreadForm(NewThreadForm):
    colleagues = forms.MultipleChoiceField(
        label="Also to these colleagues of the care team",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[],
    )

    def __init__(self, *args, colleagues=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["colleagues"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(str(c.pk), c.display_name) for c in colleagues]
