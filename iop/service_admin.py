"""Admin pages that write through a service (STYLE.md: no business rule in save_model).

A `ServiceForm`'s clean() calls the app's service; its refusal (ValidationError or DomainError)
shows on the form and nothing is saved; the object the service saved replaces the instance.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest

from iop.domain import DomainError
from iop.form_errors import apply_errors


class ServiceForm(forms.ModelForm):
    """A model form whose clean() calls a service; the saved object replaces the instance."""

    request: HttpRequest | None = None  # set by the admin

    def call(self, data: dict[str, Any], existing: Model | None) -> Model:  # pragma: no cover
        raise NotImplementedError

    def clean(self):
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            self.instance = self.call(data, self.instance if self.instance.pk else None)
        except (ValidationError, DomainError) as error:
            apply_errors(self, error)
        return data

    @property
    def actor(self) -> Any:
        return self.request.user if self.request is not None else None

    def _post_clean(self) -> None:
        pass  # the service has validated and saved the instance

    def save(self, commit: bool = True) -> Any:
        return self.instance

    def save_m2m(self) -> None:
        pass


class ServiceAdmin(admin.ModelAdmin):
    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request = request
        return form

    def save_model(self, request, obj, form, change):
        pass  # saved by the service in the form's clean()
