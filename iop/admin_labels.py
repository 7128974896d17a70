"""Names for the admin's inputs whose labels are not tied to them (axe-core's `label` and
`select-name` rules; tests/browser/test_accessibility.py walks the admin)."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import admin
from django.forms import Form, Widget
from django.http import HttpRequest


class LabelledTabularInline(admin.TabularInline):
    """A tabular inline whose inputs are named after their column and row.

    Django's tabular rows show each field's name only in the column head, which a screen reader
    does not tie to the inputs below it: each input gets its own name ("Name, row 2")."""

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)

        class Labelled(formset):  # type: ignore[misc,valid-type]
            def add_fields(self, form: Form, index: int | None) -> None:
                super().add_fields(form, index)
                row = "new row" if index is None else f"row {index + 1}"
                for field in form.fields.values():
                    # The admin's related-object wrapper renders the widget it wraps.
                    widget = cast(Widget, getattr(field.widget, "widget", field.widget))
                    widget.attrs["aria-label"] = f"{field.label}, {row}"

        Labelled.__name__ = formset.__name__
        return Labelled
