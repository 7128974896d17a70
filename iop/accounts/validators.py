"""Validation of phone numbers (E.164) and time zones."""

from __future__ import annotations

import zoneinfo

import phonenumbers
from django.core.exceptions import ValidationError


def validate_e164(value: str) -> None:
    """A phone number must be written in E.164 form (+ country code and number) and be real."""
    if not value:
        return
    if not value.startswith("+"):
        raise ValidationError(
            "Enter the number in international E.164 form, starting with + and the country "
            "code, for example +14155550123.",
            code="phone_not_e164",
        )
    try:
        parsed = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        raise ValidationError("This is not a phone number.", code="phone_invalid") from None
    if phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) != value:
        raise ValidationError(
            "Write the number without spaces or punctuation, for example +14155550123.",
            code="phone_not_e164",
        )
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError("This phone number does not exist.", code="phone_invalid")


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            "Choose a time zone from the list, for example America/Chicago.", code="bad_zone"
        ) from None
