"""Groups, sessions and enrolments over the API."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from iop.accounts.models import ClientProfile
from iop.accounts.selectors import clients_visible_to
from iop.api.filters import InstantFilter
from iop.api.list_cache import ListCacheMixin
from iop.api.views import READ_ERRORS, WRITE_ERRORS
from sessions_app import selectors, services
from sessions_app.api.common import READ, WRITE, AuditedListMixin, audit_sessions
from sessions_app.api.scheduling import (
    CancelScope,
    SeriesInputSerializer,
    SeriesMoveSerializer,
    SeriesSerializer,
    SessionCancelSerializer,
    SessionInputSerializer,
    SessionMoveSerializer,
    resolve_ids,
)
from sessions_app.models import (
    Enrolment,
    Group,
    Session,
    SessionSeries,
)
from sessions_app.services.access import require_manage_session, require_may_schedule


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
    starts_after = InstantFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = InstantFilter(field_name="starts_at", lookup_expr="lt")
    date_from = django_filters.DateFilter(field_name="local_date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="local_date", lookup_expr="lte")
    group = django_filters.NumberFilter(field_name="group_id")
    series = django_filters.NumberFilter(field_name="series_id")
    client = django_filters.NumberFilter(
        method="for_client", label="Sessions this client is expected at"
    )
    status = django_filters.CharFilter()

    class Meta:
        model = Session
        fields = ["group", "series", "status"]

    def for_client(self, queryset, name, value):
        client = clients_visible_to(self.request.user).filter(pk=value).first()
        if client is None:
            raise NotFound("No such client.")
        return queryset.filter(selectors.client_expected_q(client))


@extend_schema_view(
    list=extend_schema(responses={200: GroupSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: GroupSerializer, **READ_ERRORS}),
)
class GroupViewSet(
    ListCacheMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
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


class CancelResultSerializer(serializers.Serializer):
    cancelled = serializers.IntegerField(help_text="How many sessions were cancelled.")
    session = SessionSerializer()


@extend_schema_view(
    list=extend_schema(
        responses={200: SessionSerializer(many=True), **READ_ERRORS},
        description="Filter by date range (date_from/date_to, local days; or starts_after/"
        "starts_before, instants), group, series, client (sessions the client is expected at), "
        "status.",
    ),
    retrieve=extend_schema(responses={200: SessionSerializer, **READ_ERRORS}),
    create=extend_schema(
        request=SessionInputSerializer,
        responses={201: SessionSerializer, **WRITE_ERRORS},
        description="Schedule one session that does not recur; its clients get reminders. "
        "400 naming the facilitator when it clashes with another of their sessions.",
    ),
    partial_update=extend_schema(
        request=SessionMoveSerializer,
        responses={200: SessionSerializer, **WRITE_ERRORS},
        description="Reschedule this occurrence: its reminders move and its clients are told. "
        "A series changed later leaves it where it is.",
    ),
    cancel=extend_schema(
        request=SessionCancelSerializer,
        responses={200: CancelResultSerializer, **WRITE_ERRORS},
        description="Cancel this session (scope `this`) or it and every later one of its series "
        "(`following`); reminders are withdrawn and near-term clients are told. 409 when it is "
        "already cancelled or has already happened.",
    ),
    reschedule_following=extend_schema(
        request=SeriesMoveSerializer,
        responses={200: SeriesSerializer, **WRITE_ERRORS},
        description="Change the time (and optionally the rule) of this occurrence and every "
        "later one of its series; occurrences moved on their own stay where they are.",
    ),
)
class SessionViewSet(
    ListCacheMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Sessions the caller may see (a client: their own; a clinician: their groups')."""

    serializer_class = SessionSerializer
    queryset = Session.objects.none()
    filterset_class = SessionFilter
    lookup_value_regex = r"\d+"
    required_scopes = {
        "list": READ,
        "retrieve": READ,
        "create": WRITE,
        "partial_update": WRITE,
        "cancel": WRITE,
        "reschedule_following": WRITE,
    }

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

    def create(self, request, *args, **kwargs):
        require_may_schedule(request.user)
        serializer = SessionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        session = services.session_create(
            actor=request.user, **resolve_ids(request.user, serializer.validated_data)
        )
        return Response(SessionSerializer(session).data, status=status.HTTP_201_CREATED)

    def _managed(self) -> Session:
        session = self.get_object()
        require_manage_session(self.request.user, session)
        return session

    def partial_update(self, request, *args, **kwargs):
        session = self._managed()
        serializer = SessionMoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        session = services.session_reschedule(
            actor=request.user, session=session, **serializer.validated_data
        )
        return Response(SessionSerializer(session).data)

    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        session = self._managed()
        serializer = SessionCancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reason = serializer.validated_data["reason"]
        if serializer.validated_data["scope"] == CancelScope.FOLLOWING:
            count = services.series_cancel_from(actor=request.user, session=session, reason=reason)
        else:
            services.session_cancel(actor=request.user, session=session, reason=reason)
            count = 1
        session = self.get_queryset().get(pk=session.pk)
        return Response(CancelResultSerializer({"cancelled": count, "session": session}).data)

    @action(detail=True, methods=["post"], url_path="reschedule-following")
    def reschedule_following(self, request, *args, **kwargs):
        session = self._managed()
        serializer = SeriesMoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        series = services.series_reschedule_from(
            actor=request.user,
            session=session,
            start_time=data["start_time"],
            duration_minutes=data["duration_minutes"],
            rule=data["rule"] or None,
        )
        return Response(SeriesSerializer(series).data)


@extend_schema_view(
    create=extend_schema(
        request=SeriesInputSerializer,
        responses={201: SeriesSerializer, **WRITE_ERRORS},
        description="Create a recurring series; its sessions are put on the schedule for the "
        "program's horizon (list them with /sessions/?series=<id>) and their clients get "
        "reminders. Refused whole, naming the field, when any occurrence clashes.",
    ),
)
class SeriesViewSet(mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Recurring series, created by an integrator as by the admin."""

    serializer_class = SeriesSerializer
    queryset = SessionSeries.objects.none()
    required_scopes = {"create": WRITE}

    def create(self, request, *args, **kwargs):
        require_may_schedule(request.user)
        serializer = SeriesInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        series = services.series_create(
            actor=request.user, **resolve_ids(request.user, serializer.validated_data)
        )
        return Response(SeriesSerializer(series).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(responses={200: EnrolmentSerializer(many=True), **READ_ERRORS}),
    create=extend_schema(
        request=EnrolmentSerializer,
        responses={201: EnrolmentSerializer, **WRITE_ERRORS},
        description="Enrol a client in a group; 400 naming `group` when it is full.",
    ),
)
class EnrolmentViewSet(
    ListCacheMixin, AuditedListMixin, mixins.ListModelMixin, viewsets.GenericViewSet
):
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
