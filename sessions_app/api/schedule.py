"""Groups, sessions and enrolments over the API."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from iop.accounts.models import ClientProfile
from iop.accounts.selectors import clients_visible_to
from iop.api.views import READ_ERRORS, WRITE_ERRORS
from sessions_app import selectors, services
from sessions_app.api.common import READ, WRITE, AuditedListMixin, audit_sessions
from sessions_app.models import (
    Enrolment,
    Group,
    Session,
)


class GroupSerializer(serializers.ModelSerializer):
    program = serializers.IntegerField(source="program_id")
    facilitators = serializers.SerializerMethodField()

    class Meta:
        model = Group
        fields = ["id", "program", "name", "capacity", "guidelines", "is_active", "facilitators"]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_facilitators(self, group: Group) -> list[int]:
        return [u.pk for u in group.facilitators.all()]


class SessionSerializer(serializers.ModelSerializer):
    program = serializers.IntegerField(source="program_id")
    group = serializers.IntegerField(source="group_id", allow_null=True)
    client = serializers.IntegerField(source="client_id", allow_null=True)
    series = serializers.IntegerField(source="series_id", allow_null=True)
    facilitator = serializers.IntegerField(source="facilitator_id")

    class Meta:
        model = Session
        fields = [
            "id",
            "series",
            "program",
            "group",
            "client",
            "kind",
            "title",
            "facilitator",
            "starts_at",
            "ends_at",
            "local_date",
            "status",
            "cancel_reason",
            "video_provider",
        ]


class EnrolmentSerializer(serializers.ModelSerializer):
    group = serializers.PrimaryKeyRelatedField(queryset=Group.objects.none())
    client = serializers.PrimaryKeyRelatedField(
        queryset=ClientProfile.objects.none(), style={"base_template": "input.html"}
    )

    class Meta:
        model = Enrolment
        fields = ["id", "group", "client", "starts_on", "ends_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["group"].queryset = selectors.groups_visible_to(request.user)
            self.fields["client"].queryset = clients_visible_to(request.user)


class SessionFilter(django_filters.FilterSet):
    starts_after = django_filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = django_filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="lt")
    date_from = django_filters.DateFilter(field_name="local_date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="local_date", lookup_expr="lte")
    group = django_filters.NumberFilter(field_name="group_id")
    client = django_filters.NumberFilter(
        method="for_client", label="Sessions this client is expected at"
    )
    status = django_filters.CharFilter()

    class Meta:
        model = Session
        fields = ["group", "status"]

    def for_client(self, queryset, name, value):
        client = clients_visible_to(self.request.user).filter(pk=value).first()
        if client is None:
            raise NotFound("No such client.")
        return queryset.filter(selectors.client_expected_q(client))


@extend_schema_view(
    list=extend_schema(responses={200: GroupSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: GroupSerializer, **READ_ERRORS}),
)
class GroupViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Groups (cohorts) the caller may see."""

    serializer_class = GroupSerializer
    queryset = Group.objects.none()
    lookup_value_regex = r"\d+"
    required_scopes = {"list": READ, "retrieve": READ}

    def get_queryset(self) -> QuerySet[Group]:
        return (
            selectors.groups_visible_to(self.request.user)
            .prefetch_related("facilitators")
            .order_by("name", "pk")
        )


@extend_schema_view(
    list=extend_schema(
        responses={200: SessionSerializer(many=True), **READ_ERRORS},
        description="Filter by date range (date_from/date_to, local days; or starts_after/"
        "starts_before, instants), group, client (sessions the client is expected at), status.",
    ),
    retrieve=extend_schema(responses={200: SessionSerializer, **READ_ERRORS}),
)
class SessionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Sessions the caller may see (a client: their own; a clinician: their groups')."""

    serializer_class = SessionSerializer
    queryset = Session.objects.none()
    filterset_class = SessionFilter
    lookup_value_regex = r"\d+"
    required_scopes = {"list": READ, "retrieve": READ}

    def get_queryset(self) -> QuerySet[Session]:
        return selectors.sessions_visible_to(self.request.user).order_by("starts_at", "pk")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        audit_sessions(request, page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        session = self.get_object()
        audit_sessions(request, [session])
        return Response(self.get_serializer(session).data)


@extend_schema_view(
    list=extend_schema(responses={200: EnrolmentSerializer(many=True), **READ_ERRORS}),
    create=extend_schema(
        request=EnrolmentSerializer,
        responses={201: EnrolmentSerializer, **WRITE_ERRORS},
        description="Enrol a client in a group; 400 naming `group` when it is full.",
    ),
)
class EnrolmentViewSet(AuditedListMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = EnrolmentSerializer
    queryset = Enrolment.objects.none()
    audit_object_type = "sessions.Enrolment"
    filterset_fields = ["group", "client"]
    required_scopes = {"list": READ, "create": WRITE}

    def get_queryset(self) -> QuerySet[Enrolment]:
        return selectors.enrolments_visible_to(self.request.user).order_by(
            "group_id", "starts_on", "pk"
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        enrolment = services.enrolment_create(actor=request.user, **serializer.validated_data)
        return Response(EnrolmentSerializer(enrolment).data, status=status.HTTP_201_CREATED)
