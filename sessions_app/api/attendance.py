"""Attendance (read and corrected) and tech checks over the API."""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from iop.accounts.selectors import client_profile_of
from iop.api.list_cache import ListCacheMixin
from iop.api.serializers import JsonBooleanField, JsonNumberField
from iop.api.views import READ_ERRORS, WRITE_ERRORS
from sessions_app import selectors, services
from sessions_app.api.common import READ, WRITE, AuditedListMixin, audit_rows
from sessions_app.models import (
    Attendance,
    MediaState,
    TechCheck,
)
from sessions_app.models.attendance import CORRECTABLE


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
    webrtc = JsonBooleanField()
    download_mbps = JsonNumberField(
        default=None,
        allow_null=True,
        min_value=0,
        help_text="Left out (or null) when the browser could not measure the speed.",
    )


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


@extend_schema_view(
    list=extend_schema(responses={200: AttendanceSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: AttendanceSerializer, **READ_ERRORS}),
    correct=extend_schema(
        request=CorrectionSerializer,
        responses={200: AttendanceSerializer, **WRITE_ERRORS},
        description="Set the attendance result with a reason (audited); the derived one is kept.",
    ),
)
class AttendanceViewSet(
    ListCacheMixin,
    AuditedListMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = AttendanceSerializer
    queryset = Attendance.objects.none()
    audit_object_type = "sessions.Attendance"
    filterset_class = AttendanceFilter
    lookup_value_regex = r"\d+"
    required_scopes = {"list": READ, "retrieve": READ, "correct": WRITE}

    def get_queryset(self) -> QuerySet[Attendance]:
        return selectors.attendance_visible_to(self.request.user).order_by(
            "session_starts_at", "pk"
        )

    def retrieve(self, request, *args, **kwargs):
        attendance = self.get_object()
        audit_rows(request, [attendance], "sessions.Attendance")
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
class TechCheckViewSet(
    ListCacheMixin, AuditedListMixin, mixins.ListModelMixin, viewsets.GenericViewSet
):
    serializer_class = TechCheckSerializer
    queryset = TechCheck.objects.none()
    audit_object_type = "sessions.TechCheck"
    filterset_class = ClientFilter
    required_scopes = {"list": READ}  # only the client themself records one

    def get_queryset(self) -> QuerySet[TechCheck]:
        return selectors.tech_checks_visible_to(self.request.user).order_by("-checked_at", "-id")

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
