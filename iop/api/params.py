"""Query parameters read one way: a bad value is a 400 naming the parameter, never a 500.

    state = choice_param(request, "state", EventState.values)
    client_id = id_param(request, "client")
    query = text_param(request, "q", max_length=200)

Each returns None when the parameter is absent, else the parsed value, and raises DRF's
ValidationError ({name: [why]}) otherwise, which the API answers in its error shape. Every
typed parameter (a number or a choice) refuses an empty value (`?client=`) with a 400 like any
other value that is not of its type: the schema says so, and a caller who sends it has a bug.
Free text (`text_param`) is the exception: an empty search is no search.
django-filter's parameters keep the same rule through `iop.api.filters.FilterBackend`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

# PostgreSQL's integer and bigint columns: a larger id can match nothing and must not reach SQL.
MAX_ID = 2**63 - 1


def _raw(request: Request, name: str) -> str | None:
    value = request.query_params.get(name)
    if value == "":
        raise ValidationError({name: [empty_message(name)]})
    return value


def empty_message(name: str) -> str:
    return f"{name} must not be empty; leave it out to not filter by it."


def id_param(request: Request, name: str) -> int | None:
    """A positive whole number in ASCII digits (an object's id)."""
    raw = _raw(request, name)
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()) or not 0 < int(raw) <= MAX_ID:
        raise ValidationError({name: [f"{name} must be a positive whole number."]})
    return int(raw)


def choice_param(request: Request, name: str, choices: Iterable[str]) -> str | None:
    """One of `choices`, exactly."""
    raw = _raw(request, name)
    if raw is None:
        return None
    allowed = list(choices)
    if raw not in allowed:
        raise ValidationError({name: [f"{name} must be one of: {', '.join(allowed)}."]})
    return raw


def number_param(request: Request, name: str, *, low: float, high: float) -> float | None:
    """A finite decimal number between `low` and `high` (no inf, nan or exponent tricks)."""
    raw = _raw(request, name)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not low <= value <= high or not raw.isascii():
        raise ValidationError({name: [f"{name} must be a number from {low:g} to {high:g}."]})
    return value


def text_param(request: Request, name: str, *, max_length: int) -> str | None:
    """Free text (a search): absent or empty is no filter (None), else at most `max_length`
    characters, else a 400 naming it."""
    raw = request.query_params.get(name)
    if raw is None or not raw.strip():
        return None
    if len(raw) > max_length:
        raise ValidationError({name: [f"{name} must be at most {max_length} characters."]})
    return raw.strip()
