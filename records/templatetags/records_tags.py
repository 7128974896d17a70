"""Small template filters of the clinical record's pages."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def mark_of(marks: dict[int, Any] | None, objective: Any) -> Any:
    """The objective's latest review mark, or None."""
    pk = getattr(objective, "pk", None)
    return (marks or {}).get(pk) if pk is not None else None
