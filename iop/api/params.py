"""Query parameters read one way: a bad value is a 400 naming the parameter, never a 500.

    state = choice_param(request, "state", EventState.values)
    client_id = id_param(request, "client")
    page_size = whole_number_param(request, "page_size", low=1, high=100)
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

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request

from iop.accounts.models import ClientProfile
from iop.accounts.selectors import client_get_for

# PostgreSQL's integer and bigint columns: a larger id can match nothing and must not reach SQL.
MAX_ID = 2**63 - 1
# More digits than any bigint: refused before int(), which raises on very long strings.
_MAX_DIGITS = len(str(MAX_ID))


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
    value = _whole_number(raw)
    if value is None or not 0 < value <= MAX_ID:
        raise ValidationError({name: [f"{name} must be a positive whole number."]})
    return value


def whole_number_param(request: Request, name: str, *, low: int, high: int) -> int | None:
    """A whole number in ASCII digits from `low` to `high` (a count, such as a page size)."""
    raw = _raw(request, name)
    if raw is None:
        return None
    value = _whole_number(raw)
    if value is None or not low <= value <= high:
        raise ValidationError({name: [f"{name} must be a whole number from {low} to {high}."]})
    return value


def _whole_number(raw: str) -> int | None:
    """ASCII digits as a number; None for anything else, or for more digits than any bigint has
    (int() refuses very long strings with a ValueError: a 500 if it got that far)."""
    if not (raw.isascii() and raw.isdigit()):
        return None
    digits = raw.lstrip("0") or "0"
    return int(digits) if len(digits) <= _MAX_DIGITS else None


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


def client_param(request: Request, name: str = "client") -> ClientProfile | None:
    """The client the parameter names, among those the caller may see: 404 for any other."""
    client_id = id_param(request, name)
    if client_id is None:
        return None
    try:
        return client_get_for(request.user, client_id, audit=False)
    except ClientProfile.DoesNotExist:
        raise NotFound("No such client.") from None
