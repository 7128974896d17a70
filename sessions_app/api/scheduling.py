"""What an integrator sends to schedule, move and cancel sessions, and the series they create.

Ids name rows the caller may see: an id outside the caller's view reads as "no such", never as
"not yours", so nobody learns another program's groups, clients or staff by guessing.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from rest_framework import serializers

from iop.accounts.selectors import clients_visible_to
from iop.api.serializers import AwareDateTimeField, JsonIntegerField, LocalTimeField
from iop.viewer import Viewer
from sessions_app import selectors
from sessions_app.models import SessionKind, SessionSeries, VideoProviderName
from sessions_app.services.schedule import MAX_MINUTES

PG_INT_MAX = 2**31 - 1


def _id_field(help_text: str, *, required: bool = True) -> JsonIntegerField:
    return JsonIntegerField(
        min_value=1,
        max_value=PG_INT_MAX,
        required=required,
        allow_null=not required,
        default=None if not required else serializers.empty,
        help_text=help_text,
    )


def _visible(queryset: QuerySet[Any], pk: int | None, field: str, what: str) -> Any:
    if pk is None:
        return None
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise DjangoValidationError({field: [f"No such {what} is visible to you."]})
    return found


def resolve_ids(viewer: Viewer, data: dict[str, Any]) -> dict[str, Model | Any]:
    """The validated input with its facilitator, group and client ids turned into rows."""
    resolved = dict(data)
    resolved["facilitator"] = _visible(
        selectors.facilitators_visible_to(viewer), data["facilitator"], "facilitator", "clinician"
    )
    resolved["group"] = _visible(
        selectors.groups_visible_to(viewer), data.get("group"), "group", "group"
    )
    resolved["client"] = _visible(
        clients_visible_to(viewer), data.get("client"), "client", "client"
    )
    return resolved


class _ScheduleInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SessionKind.choices)
    title = serializers.CharField(max_length=120)
    facilitator = _id_field("The clinician who runs the sessions (a user id).")
    group = _id_field("For group and psychoeducation sessions.", required=False)
    client = _id_field("For individual and family sessions.", required=False)
    video_provider = serializers.ChoiceField(
        choices=VideoProviderName.choices,
        required=False,
        default="",
        help_text="The program's default when left out.",
    )
    external_url = serializers.URLField(
        max_length=500,
        required=False,
        default="",
        allow_blank=True,
        help_text="The room's link, for the external provider.",
    )


class SeriesInputSerializer(_ScheduleInput):
    rule = serializers.CharField(
        max_length=300, help_text="An RFC 5545 rule, e.g. FREQ=WEEKLY;BYDAY=MO,WE,TH."
    )
    starts_on = serializers.DateField(help_text="The first day the rule may fall on.")
    start_time = LocalTimeField(help_text="Local wall time in the program's time zone.")
    duration_minutes = JsonIntegerField(min_value=5, max_value=MAX_MINUTES)
    ends_on = serializers.DateField(required=False, allow_null=True, default=None)


class SessionInputSerializer(_ScheduleInput):
    starts_at = AwareDateTimeField()
    ends_at = AwareDateTimeField()


class SessionMoveSerializer(serializers.Serializer):
    starts_at = AwareDateTimeField()
    ends_at = AwareDateTimeField()


class SeriesMoveSerializer(serializers.Serializer):
    start_time = LocalTimeField(help_text="Local wall time in the program's time zone.")
    duration_minutes = JsonIntegerField(min_value=5, max_value=MAX_MINUTES)
    rule = serializers.CharField(
        max_length=300,
        required=False,
        default="",
        allow_blank=True,
        help_text="A new rule for the rest of the series; left out, the days stay.",
    )


class CancelScope:
    THIS = "this"
    FOLLOWING = "following"


class SessionCancelSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(
        choices=[
            (CancelScope.THIS, "Only this session"),
            (CancelScope.FOLLOWING, "This and every later session of its series"),
        ],
        default=CancelScope.THIS,
    )
    reason = serializers.CharField(
        max_length=200, required=False, default="", allow_blank=True, help_text="Told to clients."
    )


class SeriesSerializer(serializers.ModelSerializer):
    program = serializers.IntegerField(source="program_id")
    group = serializers.IntegerField(source="group_id", allow_null=True)
    client = serializers.IntegerField(source="client_id", allow_null=True)
    facilitator = serializers.IntegerField(source="facilitator_id")
    start_time = LocalTimeField(help_text="Local time in the program's time zone.")

    class Meta:
        model = SessionSeries
        fields = [
            "id",
            "program",
            "group",
            "client",
            "kind",
            "title",
            "facilitator",
            "rule",
            "starts_on",
            "start_time",
            "duration_minutes",
            "ends_on",
            "video_provider",
            "is_active",
            "generated_until",
        ]
