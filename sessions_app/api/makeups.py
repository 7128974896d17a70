"""Make-up requests over the API: asked for or offered, approved or declined."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from iop.accounts.selectors import clients_visible_to
from iop.api.list_cache import ListCacheMixin
from iop.api.views import READ_ERRORS, WRITE_ERRORS
from sessions_app import selectors, services
from sessions_app.api.common import READ, WRITE, AuditedListMixin
from sessions_app.models import (
    MakeUpRequest,
    Session,
)


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
class MakeUpViewSet(
    ListCacheMixin, AuditedListMixin, mixins.ListModelMixin, viewsets.GenericViewSet
):
    serializer_class = MakeUpSerializer
    queryset = MakeUpRequest.objects.none()
    audit_object_type = "sessions.MakeUpRequest"
    filterset_fields = ["status"]
    lookup_value_regex = r"\d+"
    required_scopes = {"list": READ, "create": WRITE, "approve": WRITE, "decline": WRITE}

    def get_queryset(self) -> QuerySet[MakeUpRequest]:
        return selectors.makeups_visible_to(self.request.user).order_by("-requested_at", "-id")

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
