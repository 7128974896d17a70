"""Shapes shared by the whole API: the error body, small references, and /me/."""

from __future__ import annotations

import re
from datetime import datetime, time

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from iop.accounts.models import ClientProfile
from iop.accounts.selectors import client_profile_of, clients_visible_to


class JsonNumberField(serializers.FloatField):
    """A JSON number: DRF's FloatField also takes true and false (as 1.0 and 0.0), which the
    schema's `number` does not."""

    def to_internal_value(self, data: float | int | str) -> float:
        if isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


class JsonIntegerField(serializers.IntegerField):
    """A JSON integer: DRF's IntegerField also takes "6", 6.0 and true, which the schema's
    `integer` does not."""

    def to_internal_value(self, data: object) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class AwareDateTimeField(serializers.DateTimeField):
    """An instant: an ISO 8601 date and time with its UTC offset. DRF would read a time without
    one in the server's zone, which for a clinic in another zone is a wrong hour, silently."""

    default_error_messages = {
        "naive": "Give the time with its UTC offset, e.g. 2026-12-01T18:00:00-05:00.",
    }

    def enforce_timezone(self, value: datetime) -> datetime:
        if timezone.is_naive(value):
            self.fail("naive")
        return super().enforce_timezone(value)


# HH:MM, HH:MM:SS or HH:MM:SS.ffffff, ASCII digits, no offset.
LOCAL_TIME = r"(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,6})?)?"


@extend_schema_field({"type": "string", "pattern": f"^{LOCAL_TIME}$", "example": "18:00:00"})
class LocalTimeField(serializers.TimeField):
    """A wall-clock time in the program's time zone: HH:MM[:SS[.ffffff]], without a UTC offset.

    OpenAPI's `format: time` is RFC 3339's full-time, which must carry an offset, so Harbor's
    "18:00:00" broke its own schema; and Django reads "18:00Z" as 18:00 local, dropping the
    offset silently. A time that is local by definition has no offset: one sent is a 400.
    """

    default_error_messages = {
        "local": "Give the local time in the program's time zone as HH:MM or HH:MM:SS, "
        "without a UTC offset.",
    }

    def to_internal_value(self, value: object) -> time:
        if not isinstance(value, str) or not re.fullmatch(LOCAL_TIME, value):
            self.fail("local")
        return super().to_internal_value(value)


# What a form post (all text) may send for a boolean.
FORM_BOOLS = {"true", "false"}


class JsonBooleanField(serializers.BooleanField):
    """A JSON true or false: DRF's BooleanField also takes 0, 1, "yes", "off" and the like, which
    the schema's `boolean` does not (a form post's "true"/"false" still reads)."""

    def to_internal_value(self, data: object) -> bool:
        if not isinstance(data, (bool, str)) or (isinstance(data, str) and data not in FORM_BOOLS):
            self.fail("invalid", input=data)
        return super().to_internal_value(data)


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="Machine-readable, e.g. 'invalid', 'insufficient_scope'."
    )
    message = serializers.CharField(help_text="A sentence for people.")
    # The error shape's own key; it shadows Serializer.fields only in the type stubs' eyes.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Field name → messages; empty unless the input was invalid.",
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


class ProgramRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PersonRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")


class UserMeSerializer(serializers.Serializer):
    type = serializers.SerializerMethodField()
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField(source="full_name")
    preferred_name = serializers.CharField()
    role = serializers.CharField()
    time_zone = serializers.CharField()
    client_id = serializers.SerializerMethodField()

    def get_type(self, user) -> str:
        return "user"

    def get_client_id(self, user) -> int | None:
        if not user.is_client:
            return None
        profile = client_profile_of(user)
        return profile.pk if profile else None


class ApiKeyMeSerializer(serializers.Serializer):
    type = serializers.SerializerMethodField()
    name = serializers.CharField()
    prefix = serializers.CharField()
    program = ProgramRefSerializer()
    scopes = serializers.ListField(child=serializers.CharField())
    expires_at = serializers.DateTimeField()

    def get_type(self, key) -> str:
        return "api_key"


def visible_client_field(*, required: bool = True) -> serializers.PrimaryKeyRelatedField:
    """A `client` field: an id among the clients the caller may see (ScopedClientMixin)."""
    return serializers.PrimaryKeyRelatedField(
        queryset=ClientProfile.objects.none(),
        required=required,
        error_messages={
            "does_not_exist": "No client with id {pk_value} is visible to you.",
            "incorrect_type": "Give the client's id, a whole number.",
        },
        style={"base_template": "input.html"},
    )


class ScopedClientMixin:
    """A serializer whose `client` field finds only clients the caller may see."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["client"].queryset = clients_visible_to(request.user)
