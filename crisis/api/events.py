"""Crisis events: open, list, read, acknowledge, resolve, and the timeline."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from crisis import selectors, services
from crisis.api.common import CLIENT_PARAM
from crisis.models import CrisisEvent, CrisisSource, Disposition, EventState, TimelineEntry
from iop.accounts.models import Role
from iop.api.list_cache import ListCacheMixin
from iop.api.models import ApiKey, Scope
from iop.api.params import choice_param, client_param
from iop.api.serializers import PersonRefSerializer, ScopedClientMixin, visible_client_field
from iop.api.views import READ_ERRORS, WRITE_ERRORS
from iop.audit.services import access_record_list


class CrisisEventSerializer(serializers.ModelSerializer):
    client = serializers.IntegerField(source="client_id")
    acknowledged_by = PersonRefSerializer(allow_null=True)
    policy_name = serializers.SerializerMethodField()

    class Meta:
        model = CrisisEvent
        fields = [
            "id",
            "client",
            "source",
            "state",
            "summary",
            "opened_at",
            "acknowledged_at",
            "acknowledged_by",
            "acknowledged_via",
            "resolved_at",
            "disposition",
            "resolution_note",
            "policy_name",
            "repeat_index",
            "current_step_index",
            "next_step_due_at",
            "unacknowledged_at",
        ]

    def get_policy_name(self, event: CrisisEvent) -> str:
        return event.plan.policy_name


class CrisisEventCreateSerializer(ScopedClientMixin, serializers.Serializer):
    client = visible_client_field()
    # The API field is named `source`; the stubs see Field.source (a serializer is a Field).
    source = serializers.ChoiceField(choices=CrisisSource.choices, required=False)  # type: ignore[assignment]
    summary = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)


class ResolveSerializer(serializers.Serializer):
    disposition = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=", ".join(Disposition.values)
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class MessageStateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    channel = serializers.CharField()
    status = serializers.CharField()
    error_code = serializers.CharField()


class TimelineEntrySerializer(serializers.ModelSerializer):
    message = MessageStateSerializer(
        allow_null=True, help_text="Delivery state of the message sent."
    )

    class Meta:
        model = TimelineEntry
        fields = ["id", "at", "kind", "actor_label", "text", "message", "data"]


def _default_source(principal) -> str:
    if isinstance(principal, ApiKey):
        return CrisisSource.API
    return CrisisSource.HELP_BUTTON if principal.role == Role.CLIENT else CrisisSource.CLINICIAN


@extend_schema_view(
    list=extend_schema(
        parameters=[
            CLIENT_PARAM,
            OpenApiParameter("state", str, enum=EventState.values),
        ],
        responses={200: CrisisEventSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(responses={200: CrisisEventSerializer, **READ_ERRORS}),
    create=extend_schema(
        request=CrisisEventCreateSerializer,
        responses={201: CrisisEventSerializer, 200: CrisisEventSerializer, **WRITE_ERRORS},
        description="Open a crisis event (200 with the existing one if the client already has an "
        "unresolved event). Escalation starts at once.",
    ),
    acknowledge=extend_schema(
        request=None,
        responses={200: CrisisEventSerializer, **WRITE_ERRORS},
        description="A signed-in responder has the crisis in hand: escalation stops. API keys "
        "are refused (403): acknowledging is a person's commitment to act.",
    ),
    resolve=extend_schema(
        request=ResolveSerializer, responses={200: CrisisEventSerializer, **WRITE_ERRORS}
    ),
    timeline=extend_schema(responses={200: TimelineEntrySerializer(many=True), **READ_ERRORS}),
)
class CrisisEventViewSet(
    ListCacheMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = CrisisEventSerializer
    queryset = CrisisEvent.objects.none()
    lookup_value_regex = r"\d+"
    kept_actions = ("list", "timeline")
    required_scopes = {
        "list": Scope.CRISIS_READ,
        "retrieve": Scope.CRISIS_READ,
        "timeline": Scope.CRISIS_READ,
        "create": Scope.CRISIS_WRITE,
        "acknowledge": Scope.CRISIS_WRITE,
        "resolve": Scope.CRISIS_WRITE,
    }

    def get_queryset(self) -> QuerySet[CrisisEvent]:
        rows = selectors.crisis_events_visible_to(self.request.user)
        client = client_param(self.request)
        if client is not None:
            rows = rows.filter(client=client)
        state = choice_param(self.request, "state", EventState.values)
        if state:
            rows = rows.filter(state=state)
        return rows.order_by("-opened_at", "-id")

    def _event(self) -> CrisisEvent:
        try:
            return selectors.crisis_event_get_for(self.request.user, int(self.kwargs["pk"]))
        except CrisisEvent.DoesNotExist:
            raise NotFound("No such crisis event.") from None

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        access_record_list(
            actor=request.user, clients=[e.client for e in page], object_type="crisis.CrisisEvent"
        )
        return self.get_paginated_response(CrisisEventSerializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return Response(CrisisEventSerializer(self._event()).data)

    def create(self, request, *args, **kwargs):
        data = CrisisEventCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        event, created = services.crisis_open(
            actor=request.user,
            client=data.validated_data["client"],
            source=data.validated_data.get("source") or _default_source(request.user),
            summary=data.validated_data["summary"],
        )
        return Response(
            CrisisEventSerializer(event).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        event = services.crisis_acknowledge(actor=request.user, event=self._event(), via="api")
        return Response(CrisisEventSerializer(event).data)

    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        data = ResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        event = services.crisis_resolve(
            actor=request.user,
            event=self._event(),
            disposition=data.validated_data["disposition"],
            note=data.validated_data["note"],
        )
        return Response(CrisisEventSerializer(event).data)

    @action(detail=True, methods=["get"])
    def timeline(self, request, pk=None):
        if not isinstance(request.user, ApiKey) and request.user.role == Role.CLIENT:
            raise PermissionDenied("The timeline is for the care team.")
        event = self._event()
        page = self.paginate_queryset(selectors.timeline_of(request.user, event))
        return self.get_paginated_response(TimelineEntrySerializer(page, many=True).data)
