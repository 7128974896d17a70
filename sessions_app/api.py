"""Sessions over the API (/api/v1/): groups, sessions, enrolments, attendance, tech checks and
make-up requests, scoped like the pages; every read of client data is audit-logged."""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from iop.accounts.models import ClientProfile
from iop.accounts.selectors import client_profile_of, clients_visible_to
from iop.api.models import Scope
from iop.api.views import READ_ERRORS, WRITE_ERRORS
from iop.audit.services import access_record_list
from sessions_app import selectors, services
from sessions_app.models import (
    Attendance,
    Enrolment,
    Group,
    MakeUpRequest,
    MediaState,
    Session,
    TechCheck,
)
from sessions_app.models.attendance import CORRECTABLE

READ, WRITE = Scope.SESSIONS_READ, Scope.SESSIONS_WRITE


def _audit(request, rows, object_type: str) -> None:
    clients = {r.client_id: r.client for r in rows if getattr(r, "client_id", None)}
    access_record_list(actor=request.user, clients=clients.values(), object_type=object_type)


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


class AttendanceSerializer(serializers.ModelSerializer):
    session = serializers.IntegerField(source="session_id")
    client = serializers.IntegerField(source="client_id")
    status = serializers.CharField()
    corrected_by = serializers.IntegerField(source="corrected_by_id", allow_null=True)

    class Meta:
        model = Attendance
        fields = [
            "id",
            "session",
            "client",
            "status",
            "derived_status",
            "minutes_attended",
            "first_joined_at",
            "last_left_at",
            "reported_tech_issue",
            "is_final",
            "correction_reason",
            "corrected_by",
            "corrected_at",
        ]


class CorrectionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CORRECTABLE)
    reason = serializers.CharField(max_length=300)
    minutes_attended = serializers.IntegerField(required=False, allow_null=True, min_value=0)


class TechCheckSerializer(serializers.ModelSerializer):
    client = serializers.IntegerField(source="client_id", read_only=True)
    session = serializers.IntegerField(source="session_id", allow_null=True, required=False)

    class Meta:
        model = TechCheck
        fields = [
            "id",
            "client",
            "session",
            "camera",
            "microphone",
            "webrtc",
            "download_mbps",
            "passed",
            "problems",
            "checked_at",
        ]
        read_only_fields = ["passed", "problems", "checked_at"]


class TechCheckInputSerializer(serializers.Serializer):
    session = serializers.IntegerField(required=False, allow_null=True)
    camera = serializers.ChoiceField(choices=MediaState.choices)
    microphone = serializers.ChoiceField(choices=MediaState.choices)
    webrtc = serializers.BooleanField()
    download_mbps = serializers.FloatField(required=False, allow_null=True, min_value=0)


class MakeUpSerializer(serializers.ModelSerializer):
    client = serializers.IntegerField(source="client_id")
    missed_session = serializers.IntegerField(source="missed_session_id")
    target_session = serializers.IntegerField(source="target_session_id")

    class Meta:
        model = MakeUpRequest
        fields = [
            "id",
            "client",
            "missed_session",
            "target_session",
            "status",
            "note",
            "requested_at",
            "decided_at",
            "decision_note",
        ]


class MakeUpInputSerializer(serializers.Serializer):
    client = serializers.IntegerField()
    missed_session = serializers.IntegerField()
    target_session = serializers.IntegerField()
    note = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)


class DecisionSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)


# --- filters --------------------------------------------------------------------------------


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


class AttendanceFilter(django_filters.FilterSet):
    session = django_filters.NumberFilter(field_name="session_id")
    client = django_filters.NumberFilter(field_name="client_id")
    date_from = django_filters.DateFilter(field_name="session__local_date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="session__local_date", lookup_expr="lte")

    class Meta:
        model = Attendance
        fields = ["session", "client"]


class ClientFilter(django_filters.FilterSet):
    client = django_filters.NumberFilter(field_name="client_id")

    class Meta:
        model = TechCheck
        fields = ["client"]


# --- views ----------------------------------------------------------------------------------


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


@extend_schema_view(
    list=extend_schema(responses={200: EnrolmentSerializer(many=True), **READ_ERRORS}),
    create=extend_schema(
        request=EnrolmentSerializer,
        responses={201: EnrolmentSerializer, **WRITE_ERRORS},
        description="Enrol a client in a group; 400 naming `group` when it is full.",
    ),
)
class EnrolmentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = EnrolmentSerializer
    queryset = Enrolment.objects.none()
    filterset_fields = ["group", "client"]
    required_scopes = {"list": READ, "create": WRITE}

    def get_queryset(self) -> QuerySet[Enrolment]:
        return selectors.enrolments_visible_to(self.request.user).order_by(
            "group_id", "starts_on", "pk"
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        _audit(request, page, "sessions.Enrolment")
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        enrolment = services.enrolment_create(actor=request.user, **serializer.validated_data)
        return Response(EnrolmentSerializer(enrolment).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(responses={200: AttendanceSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: AttendanceSerializer, **READ_ERRORS}),
    correct=extend_schema(
        request=CorrectionSerializer,
        responses={200: AttendanceSerializer, **WRITE_ERRORS},
        description="Set the attendance result with a reason (audited); the derived one is kept.",
    ),
)
class AttendanceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = AttendanceSerializer
    queryset = Attendance.objects.none()
    filterset_class = AttendanceFilter
    lookup_value_regex = r"\d+"
    required_scopes = {"list": READ, "retrieve": READ, "correct": WRITE}

    def get_queryset(self) -> QuerySet[Attendance]:
        return selectors.attendance_visible_to(self.request.user).order_by(
            "session_starts_at", "pk"
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        _audit(request, page, "sessions.Attendance")
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        attendance = self.get_object()
        _audit(request, [attendance], "sessions.Attendance")
        return Response(self.get_serializer(attendance).data)

    @action(detail=True, methods=["post"])
    def correct(self, request, *args, **kwargs):
        attendance = self.get_object()
        serializer = CorrectionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attendance = services.attendance_correct(
            actor=request.user, attendance=attendance, **serializer.validated_data
        )
        return Response(AttendanceSerializer(attendance).data)


@extend_schema_view(
    list=extend_schema(responses={200: TechCheckSerializer(many=True), **READ_ERRORS}),
    create=extend_schema(
        request=TechCheckInputSerializer,
        responses={201: TechCheckSerializer, **WRITE_ERRORS},
        description="A signed-in client records a tech check (the portal's check uses this shape).",
    ),
)
class TechCheckViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = TechCheckSerializer
    queryset = TechCheck.objects.none()
    filterset_class = ClientFilter
    required_scopes = {"list": READ}  # only the client themself records one

    def get_queryset(self) -> QuerySet[TechCheck]:
        return selectors.tech_checks_visible_to(self.request.user).order_by("-checked_at", "-id")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        _audit(request, page, "sessions.TechCheck")
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def create(self, request, *args, **kwargs):
        serializer = TechCheckInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        client = (
            client_profile_of(request.user) if getattr(request.user, "is_client", False) else None
        )
        if client is None:
            raise DjangoValidationError(
                {"client": ["Only a signed-in client records their own tech check."]}
            )
        session_id = data.pop("session", None)
        session = None
        if session_id is not None:
            session = selectors.sessions_visible_to(request.user).filter(pk=session_id).first()
            if session is None:
                raise DjangoValidationError({"session": ["No such session of yours."]})
        check = services.tech_check_record(
            actor=request.user,
            client=client,
            session=session,
            user_agent=request.headers.get("User-Agent", ""),
            **data,
        )
        return Response(TechCheckSerializer(check).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(responses={200: MakeUpSerializer(many=True), **READ_ERRORS}),
    create=extend_schema(
        request=MakeUpInputSerializer,
        responses={201: MakeUpSerializer, **WRITE_ERRORS},
        description="A client asks for (or staff offer) a make-up: another occurrence with space.",
    ),
    approve=extend_schema(
        request=DecisionSerializer, responses={200: MakeUpSerializer, **WRITE_ERRORS}
    ),
    decline=extend_schema(
        request=DecisionSerializer, responses={200: MakeUpSerializer, **WRITE_ERRORS}
    ),
)
class MakeUpViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = MakeUpSerializer
    queryset = MakeUpRequest.objects.none()
    filterset_fields = ["status"]
    lookup_value_regex = r"\d+"
    required_scopes = {"list": READ, "create": WRITE, "approve": WRITE, "decline": WRITE}

    def get_queryset(self) -> QuerySet[MakeUpRequest]:
        return selectors.makeups_visible_to(self.request.user).order_by("-requested_at", "-id")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        _audit(request, page, "sessions.MakeUpRequest")
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def create(self, request, *args, **kwargs):
        serializer = MakeUpInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        client = clients_visible_to(request.user).filter(pk=data["client"]).first()
        if client is None:
            raise DjangoValidationError({"client": ["No such client is visible to you."]})
        visible = selectors.sessions_visible_to(request.user)
        missed = visible.filter(pk=data["missed_session"]).first()
        if missed is None:
            raise DjangoValidationError({"missed_session": ["No such session is visible to you."]})
        target = Session.objects.select_related("group").filter(pk=data["target_session"]).first()
        if target is None or target.program_id != missed.program_id:
            raise DjangoValidationError({"target_session": ["No such session in this program."]})
        makeup = services.makeup_request(
            actor=request.user,
            client=client,
            missed_session=missed,
            target_session=target,
            note=data["note"],
        )
        return Response(MakeUpSerializer(makeup).data, status=status.HTTP_201_CREATED)

    def _decide(self, request, approve: bool):
        makeup = self.get_object()
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        makeup = services.makeup_decide(
            actor=request.user, makeup=makeup, approve=approve, **serializer.validated_data
        )
        return Response(MakeUpSerializer(makeup).data)

    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        return self._decide(request, True)

    @action(detail=True, methods=["post"])
    def decline(self, request, *args, **kwargs):
        return self._decide(request, False)
