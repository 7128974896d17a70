"""Escalation policies, on-call shifts and local resources (read)."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from crisis import selectors
from crisis.api.common import staff_or_key
from crisis.models import EscalationPolicy, LocalResource, OnCallShift
from iop.api.list_cache import ListCacheMixin
from iop.api.models import Scope
from iop.api.params import number_param
from iop.api.serializers import PersonRefSerializer
from iop.api.views import READ_ERRORS

# -- policies, on-call, resources -------------------------------------------------------------


class StepSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    target = serializers.CharField()
    user = PersonRefSerializer(allow_null=True)
    channels = serializers.ListField(child=serializers.CharField())
    wait_minutes = serializers.IntegerField()


class EscalationPolicySerializer(serializers.ModelSerializer):
    program = serializers.IntegerField(source="program_id", allow_null=True)
    steps = StepSerializer(many=True)

    class Meta:
        model = EscalationPolicy
        fields = ["id", "name", "program", "is_default", "repeat_count", "steps", "updated_at"]


@extend_schema_view(
    list=extend_schema(responses={200: EscalationPolicySerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: EscalationPolicySerializer, **READ_ERRORS}),
)
class EscalationPolicyViewSet(
    ListCacheMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = EscalationPolicySerializer
    queryset = EscalationPolicy.objects.none()
    lookup_value_regex = r"\d+"
    required_scopes = {"list": Scope.CRISIS_READ, "retrieve": Scope.CRISIS_READ}

    def get_queryset(self) -> QuerySet[EscalationPolicy]:
        staff_or_key(self.request)
        return selectors.escalation_policies_visible_to(self.request.user)


class OnCallShiftSerializer(serializers.ModelSerializer):
    program = serializers.IntegerField(source="program_id")
    user = PersonRefSerializer()
    on_call_now = serializers.SerializerMethodField()

    class Meta:
        model = OnCallShift
        fields = ["id", "program", "user", "starts_at", "ends_at", "time_zone", "on_call_now"]

    def get_on_call_now(self, shift: OnCallShift) -> bool:
        from django.utils import timezone

        return shift.starts_at <= timezone.now() < shift.ends_at


@extend_schema_view(
    list=extend_schema(responses={200: OnCallShiftSerializer(many=True), **READ_ERRORS})
)
class OnCallShiftViewSet(ListCacheMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Current and coming on-call shifts of the caller's program(s)."""

    serializer_class = OnCallShiftSerializer
    queryset = OnCallShift.objects.none()
    required_scopes = {"list": Scope.CRISIS_READ}

    def get_queryset(self) -> QuerySet[OnCallShift]:
        from django.utils import timezone

        staff_or_key(self.request)
        return (
            selectors.on_call_shifts_visible_to(self.request.user)
            .filter(ends_at__gt=timezone.now())
            .order_by("starts_at")
        )


class LocalResourceSerializer(serializers.ModelSerializer):
    distance_km = serializers.SerializerMethodField()

    class Meta:
        model = LocalResource
        fields = [
            "id",
            "name",
            "kind",
            "region",
            "address",
            "phone",
            "latitude",
            "longitude",
            "open_24_7",
            "notes",
            "distance_km",
        ]

    def get_distance_km(self, resource: LocalResource) -> float | None:
        distance = getattr(resource, "distance", None)
        return round(distance, 2) if distance is not None else None


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("latitude", float, description="With longitude: nearest first."),
            OpenApiParameter("longitude", float),
            OpenApiParameter("kind", str),
            OpenApiParameter("region", str),
        ],
        responses={200: LocalResourceSerializer(many=True), **READ_ERRORS},
    )
)
class LocalResourceViewSet(ListCacheMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The directory of emergency departments, crisis centres, mobile crisis teams and detox."""

    serializer_class = LocalResourceSerializer
    queryset = LocalResource.objects.none()
    required_scopes = {"list": Scope.CRISIS_READ}

    def list(self, request, *args, **kwargs):
        staff_or_key(request)
        rows = selectors.local_resources_for(
            request.user,
            kind=request.query_params.get("kind", ""),
            region=request.query_params.get("region", ""),
        )
        lat = number_param(request, "latitude", low=-90, high=90)
        lon = number_param(request, "longitude", low=-180, high=180)
        if (lat is None) != (lon is None):
            missing = "longitude" if lon is None else "latitude"
            raise serializers.ValidationError({missing: ["Give latitude and longitude together."]})
        if lat is not None and lon is not None:
            point = lat, lon
            resources = list(rows)
            for resource in resources:
                resource.distance = resource.distance_km(*point)
            resources.sort(key=lambda r: r.distance)
        else:
            resources = list(rows.order_by("region", "kind", "name"))
        page = self.paginate_queryset(resources)
        return self.get_paginated_response(LocalResourceSerializer(page, many=True).data)
