"""Putting a service's errors on the form that called it, field by field where it names one."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from iop.domain import DomainError


def apply_errors(form: forms.BaseForm, error: ValidationError | DomainError) -> None:
    """Errors naming a form field go on it ("answers.q3" names field q3); the rest on the form."""
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            field = name.split(".", 1)[1] if name.startswith("answers.") else name
            form.add_error(field if field in form.fields else None, messages)
    elif isinstance(error, ValidationError):
        form.add_error(None, error.messages)
    else:
        for name, messages in error.fields.items():
            if name in form.fields:
                form.add_error(name, messages)
        form.add_error(None, error.message)


def error_message(error: ValidationError | DomainError) -> str:
    """One sentence for a banner (django.contrib.messages) or a JSON body's `message`."""
    if isinstance(error, DomainError):
        return error.message
    if hasattr(error, "error_dict"):
        return " ".join(str(m) for messages in error.message_dict.values() for m in messages)
    return " ".join(error.messages)
