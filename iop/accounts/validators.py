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


def phone_to_e164(value: str, region: str) -> str:
    """A number as people type it ("(415) 555-0199" in the clinic's `region`, or "+44 20 7183
    8750" anywhere) in E.164 form; a ValidationError saying what is wrong otherwise."""
    text = (value or "").strip()
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    hint = (
        f"for example {phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)}"
        " or, from another country, +44 20 7183 8750"
        if example is not None
        else "starting with + and the country code, for example +14155550123"
    )
    if not text:
        raise ValidationError("Enter a phone number.", code="phone_required")
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise ValidationError(
            f"This is not a phone number. Write it {hint}.", code="phone_invalid"
        ) from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(
            f"This phone number does not exist. Check the digits, area code included, and write it {hint}.",
            code="phone_invalid",
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            "Choose a time zone from the list, for example America/Chicago.", code="bad_zone"
        ) from None
