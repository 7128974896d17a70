"""Validation of phone numbers (E.164) and time zones."""

from __future__ import annotations

import zoneinfo
from functools import lru_cache

import phonenumbers
from django.core.exceptions import ValidationError


def validate_e164(value: str) -> None:
    """A phone number must be written in E.164 form (+ country code and number) and be real."""
    if not value:
        return
    problem = _e164_problem(value)
    if problem is not None:
        raise ValidationError(*problem)


@lru_cache(maxsize=4096)
def _e164_problem(value: str) -> tuple[str, str] | None:
    """What is wrong with the number (message, code), or None. Cached: parsing is slow, and the
    outbox checks the same clients' numbers again and again."""
    if not value.startswith("+"):
        return (
            "Enter the number in international E.164 form, starting with + and the country "
            "code, for example +14155550123.",
            "phone_not_e164",
        )
    try:
        parsed = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return ("This is not a phone number.", "phone_invalid")
    if phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) != value:
        return (
            "Write the number without spaces or punctuation, for example +14155550123.",
            "phone_not_e164",
        )
    if not phonenumbers.is_valid_number(parsed):
        return ("This phone number does not exist.", "phone_invalid")
    return None


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            "Choose a time zone from the list, for example America/Chicago.", code="bad_zone"
        ) from None
