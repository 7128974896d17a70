"""Clients' requests for access to recordings: list, read, ask, approve, decline, withdraw.

Keys with recordings:read list and read their program's requests; every write is a person's:
a client asks and withdraws, a clinician who may decide approves or declines, with a reason.
"""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from iop.api.list_cache import ListCacheMixin
from iop.api.models import ApiKey, Scope
from iop.api.params import choice_param
from iop.api.serializers import PersonRefSerializer
from iop.api.views import READ_ERRORS, WRITE_ERRORS
from iop.audit.services import access_record_list
from recordings import services
from recordings.access_selectors import access_request_get_for, access_requests_visible_to
from recordings.models import AccessRequestState, Recording, RecordingAccessRequest
from recordings.selectors import recording_get_for


class RecordingAccessRequestSerializer(serializers.ModelSerializer):
    client = serializers.IntegerField(source="client_id")
    recording = serializers.IntegerField(source="recording_id")
    session = serializers.IntegerField(source="recording.session_id")
    decided_by = PersonRefSerializer(allow_null=True)

    class Meta:
        model = RecordingAccessRequest
        fields = [
            "id",
            "recording",
            "session",
            "client",
            "state",
            "reason",
            "created_at",
            "due_at",
            "escalated_at",
            "decided_at",
            "decided_by",
            "decision_reason",
            "access_until",
        ]


class RecordingAccessRequestCreateSerializer(serializers.Serializer):
    recording = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class AccessDecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=500,
        help_text="Why; required (the client reads it).",
    )


def _person(request) -> None:
    if isinstance(request.user, ApiKey):
        raise PermissionDenied("Only a person does this, not an API key.")


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("state", str, enum=AccessRequestState.values)],
        responses={200: RecordingAccessRequestSerializer(many=True), **READ_ERRORS},
        description="Requests the caller may see: a client their own; staff those they may "
        "decide; an API key (recordings:read) its program's.",
    ),
    retrieve=extend_schema(responses={200: RecordingAccessRequestSerializer, **READ_ERRORS}),
    create=extend_schema(
        request=RecordingAccessRequestCreateSerializer,
        responses={201: RecordingAccessRequestSerializer, **WRITE_ERRORS},
        description="A client asks for access to a stored recording they appear in (409 if a "
        "request for it is already waiting). Clients only.",
    ),
    approve=extend_schema(
        request=AccessDecisionSerializer,
        responses={200: RecordingAccessRequestSerializer, **WRITE_ERRORS},
        description="The client's care team, the session's facilitators or a supervisor of "
        "the program approve, with a reason: access for a limited time.",
    ),
    decline=extend_schema(
        request=AccessDecisionSerializer,
        responses={200: RecordingAccessRequestSerializer, **WRITE_ERRORS},
        description="As approve, declining; the reason is required.",
    ),
    withdraw=extend_schema(
        request=None,
        responses={200: RecordingAccessRequestSerializer, **WRITE_ERRORS},
        description="The client takes back a request still waiting for a decision.",
    ),
)
class RecordingAccessRequestViewSet(
    ListCacheMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = RecordingAccessRequestSerializer
    queryset = RecordingAccessRequest.objects.none()
    lookup_value_regex = r"\d+"
    required_scopes = {"list": Scope.RECORDINGS_READ, "retrieve": Scope.RECORDINGS_READ}

    def get_queryset(self) -> QuerySet[RecordingAccessRequest]:
        rows = access_requests_visible_to(self.request.user)
        state = choice_param(self.request, "state", AccessRequestState.values)
        if state:
            rows = rows.filter(state=state)
        return rows.order_by("-created_at", "-id")

    def _access_request(self) -> RecordingAccessRequest:
        try:
            return access_request_get_for(self.request.user, int(self.kwargs["pk"]))
        except RecordingAccessRequest.DoesNotExist:
            raise NotFound("No such access request.") from None

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        access_record_list(
            actor=request.user,
            clients=[r.client for r in page],
            object_type=RecordingAccessRequest._meta.label,
        )
        return self.get_paginated_response(RecordingAccessRequestSerializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return Response(RecordingAccessRequestSerializer(self._access_request()).data)

    def create(self, request, *args, **kwargs):
        _person(request)
        if not request.user.is_client:
            raise PermissionDenied("Only a client asks for access to a recording.")
        data = RecordingAccessRequestCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            recording = recording_get_for(request.user, data.validated_data["recording"])
        except Recording.DoesNotExist:
            raise NotFound("No such recording among yours.") from None
        created = services.access_request_create(
            actor=request.user, recording=recording, reason=data.validated_data["reason"]
        )
        return Response(
            RecordingAccessRequestSerializer(created).data, status=status.HTTP_201_CREATED
        )

    def _decide(self, request, *, approve: bool) -> Response:
        _person(request)
        if not request.user.is_clinical:
            raise PermissionDenied("Only clinical staff decide access requests.")
        access_request = self._access_request()
        data = AccessDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decided = services.access_request_decide(
            actor=request.user,
            request=access_request,
            approve=approve,
            reason=data.validated_data["reason"],
        )
        return Response(RecordingAccessRequestSerializer(decided).data)

    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(request, approve=True)

    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        return self._decide(request, approve=False)

    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        _person(request)
        if not request.user.is_client:
            raise PermissionDenied("Only the client who asked withdraws a request.")
        withdrawn = services.access_request_withdraw(
            actor=request.user, request=self._access_request()
        )
        return Response(RecordingAccessRequestSerializer(withdrawn).data)
