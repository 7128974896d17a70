"""Instruments (read), check-ins (create, list) and safety plan versions (read)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from crisis import instruments, selectors, services
from crisis.api.common import CLIENT_PARAM
from crisis.models import CheckIn, CheckInChannel, SafetyPlan
from iop.api.list_cache import ListCacheMixin
from iop.api.models import ApiKey, Scope
from iop.api.params import client_param
from iop.api.serializers import ScopedClientMixin, visible_client_field
from iop.api.views import READ_ERRORS, WRITE_ERRORS
from iop.audit.models import Action
from iop.audit.services import access_record, access_record_list

# -- instruments ------------------------------------------------------------------------------


class OptionSerializer(serializers.Serializer):
    value = serializers.IntegerField()
    # The API field is named `label`; the stubs see Field.label (a serializer is a Field).
    label = serializers.CharField()  # type: ignore[assignment]


class ConditionSerializer(serializers.Serializer):
    item = serializers.CharField(help_text="The key of the item whose answer decides.")
    equals = serializers.IntegerField(help_text="The answer that makes this item asked.")


class ItemSerializer(serializers.Serializer):
    key = serializers.CharField()
    number = serializers.CharField()
    text = serializers.CharField()
    options = OptionSerializer(many=True)
    shown_if = serializers.SerializerMethodField(
        help_text="Asked only when the named item's answer equals `equals`; null: always asked."
    )

    @extend_schema_field(ConditionSerializer(allow_null=True))
    def get_shown_if(self, item) -> dict | None:
        return (
            {"item": item.shown_if.item, "equals": item.shown_if.equals} if item.shown_if else None
        )


class BandSerializer(serializers.Serializer):
    low = serializers.IntegerField()
    high = serializers.IntegerField()
    # The API field is named `label`; the stubs see Field.label (a serializer is a Field).
    label = serializers.CharField()  # type: ignore[assignment]
    risk = serializers.CharField()


class RiskRuleSerializer(serializers.Serializer):
    item = serializers.CharField()
    above = serializers.IntegerField()
    risk = serializers.CharField()
    reason = serializers.CharField()


class InstrumentSerializer(serializers.Serializer):
    code = serializers.CharField()
    version = serializers.IntegerField()
    name = serializers.CharField()
    short_name = serializers.CharField()
    prompt = serializers.CharField()
    items = ItemSerializer(many=True)
    bands = BandSerializer(many=True)
    risk_rules = RiskRuleSerializer(many=True)
    allows_note = serializers.BooleanField()
    max_score = serializers.IntegerField()


@extend_schema_view(
    list=extend_schema(responses={200: InstrumentSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(
        parameters=[OpenApiParameter("code", str, OpenApiParameter.PATH)],
        responses={200: InstrumentSerializer, **READ_ERRORS},
    ),
)
class InstrumentViewSet(viewsets.ViewSet):
    """The current version of each instrument: items, options, bands and risk rules."""

    required_scopes = {"list": None, "retrieve": None}
    lookup_field = "code"
    lookup_value_regex = r"[a-z0-9]+"

    def list(self, request):
        return Response(InstrumentSerializer(instruments.all_current(), many=True).data)

    def retrieve(self, request, code: str):
        try:
            return Response(InstrumentSerializer(instruments.current(code)).data)
        except KeyError:
            raise NotFound("No such instrument.") from None


# -- check-ins --------------------------------------------------------------------------------


class CheckInSerializer(serializers.ModelSerializer):
    client = serializers.IntegerField(source="client_id")
    answers = serializers.DictField(child=serializers.IntegerField())
    crisis_event = serializers.IntegerField(source="crisis_event_id", allow_null=True)
    score = serializers.IntegerField(read_only=True)  # encrypted at rest, a number here

    class Meta:
        model = CheckIn
        fields = [
            "id",
            "client",
            "instrument",
            "instrument_version",
            "answers",
            "note",
            "score",
            "band",
            "risk",
            "channel",
            "submitted_at",
            "crisis_event",
        ]


class CheckInCreateSerializer(ScopedClientMixin, serializers.Serializer):
    client = visible_client_field()
    instrument = serializers.CharField(max_length=16)
    answers = serializers.DictField(
        child=serializers.JSONField(),
        help_text="Item key → whole-number value, as the instrument defines them.",
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)

    def validate_answers(self, answers: dict[str, Any]) -> dict[str, Any]:
        """JSON integers only: "6", 6.0 and true are refused alike (the instrument checks ranges)."""
        wrong = {
            f"{key}": [f"Answer with a whole number, not {value!r}."]
            for key, value in answers.items()
            if value is not None and (isinstance(value, bool) or not isinstance(value, int))
        }
        if wrong:
            raise serializers.ValidationError(wrong)
        return answers


@extend_schema_view(
    list=extend_schema(
        parameters=[CLIENT_PARAM], responses={200: CheckInSerializer(many=True), **READ_ERRORS}
    ),
    create=extend_schema(
        request=CheckInCreateSerializer,
        responses={201: CheckInSerializer, **WRITE_ERRORS},
        description="Record a check-in; answers are validated against the instrument. A high-risk "
        "result opens a crisis event (see crisis_event).",
    ),
)
class CheckInViewSet(ListCacheMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = CheckInSerializer
    queryset = CheckIn.objects.none()
    required_scopes = {"list": Scope.CHECKINS_READ, "create": Scope.CHECKINS_WRITE}

    def get_queryset(self) -> QuerySet[CheckIn]:
        rows = selectors.check_ins_visible_to(self.request.user)
        client = client_param(self.request)
        if client is not None:
            rows = rows.filter(client=client)
        return rows.order_by("-submitted_at", "-id")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        clients = {row.client_id: row.client for row in page}
        access_record_list(
            actor=request.user, clients=clients.values(), object_type="crisis.CheckIn"
        )
        return self.get_paginated_response(CheckInSerializer(page, many=True).data)

    def create(self, request, *args, **kwargs):
        data = CheckInCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        channel = (
            CheckInChannel.API
            if isinstance(request.user, ApiKey)
            else (CheckInChannel.PORTAL if request.user.is_client else CheckInChannel.STAFF)
        )
        check_in = services.check_in_submit(
            actor=request.user,
            client=data.validated_data["client"],
            instrument=data.validated_data["instrument"],
            answers=data.validated_data["answers"],
            note=data.validated_data["note"],
            channel=channel,
        )
        return Response(CheckInSerializer(check_in).data, status=status.HTTP_201_CREATED)


# -- safety plans -----------------------------------------------------------------------------


class SectionSerializer(serializers.Serializer):
    field = serializers.CharField()
    heading = serializers.CharField()
    lines = serializers.ListField(child=serializers.CharField())


class SafetyPlanSerializer(serializers.ModelSerializer):
    client = serializers.IntegerField(source="client_id")
    sections = serializers.SerializerMethodField()

    class Meta:
        model = SafetyPlan
        fields = [
            "id",
            "client",
            "version",
            "sections",
            "change_note",
            "created_by_label",
            "created_at",
        ]

    @extend_schema_field(SectionSerializer(many=True))
    def get_sections(self, plan: SafetyPlan) -> list[dict]:
        return [{k: s[k] for k in ("field", "heading", "lines")} for s in plan.sections()]


@extend_schema_view(
    list=extend_schema(
        parameters=[CLIENT_PARAM], responses={200: SafetyPlanSerializer(many=True), **READ_ERRORS}
    ),
    retrieve=extend_schema(responses={200: SafetyPlanSerializer, **READ_ERRORS}),
)
class SafetyPlanViewSet(
    ListCacheMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Every version of the safety plans the caller may see, newest first."""

    serializer_class = SafetyPlanSerializer
    queryset = SafetyPlan.objects.none()
    lookup_value_regex = r"\d+"
    required_scopes = {"list": Scope.SAFETY_PLANS_READ, "retrieve": Scope.SAFETY_PLANS_READ}

    def get_queryset(self) -> QuerySet[SafetyPlan]:
        rows = selectors.safety_plans_visible_to(self.request.user).select_related("client")
        client = client_param(self.request)
        if client is not None:
            rows = rows.filter(client=client)
        return rows.order_by("client_id", "-version")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        clients = {plan.client_id: plan.client for plan in page}
        access_record_list(
            actor=request.user, clients=clients.values(), object_type="crisis.SafetyPlan"
        )
        return self.get_paginated_response(SafetyPlanSerializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        plan = self.get_object()
        access_record(actor=request.user, action=Action.VIEW, client=plan.client, obj=plan)
        return Response(SafetyPlanSerializer(plan).data)
