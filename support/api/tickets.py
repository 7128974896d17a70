"""Tickets over the API: open, list, read (with the conversation the caller may see), reply,
change status. Scoped like the pages by support.selectors; writes go through the services.

A ticket names its requester by first name and initial only: the desk greets people, it does
not need their record. Integrators' keys read (support:read) and write (support:write) the
tickets of their program's people.
"""

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
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from iop.accounts.models import ClientProfile, User
from iop.accounts.selectors import clients_visible_to
from iop.api.list_cache import ListCacheMixin
from iop.api.models import ApiKey
from iop.api.params import choice_param
from iop.api.serializers import JsonBooleanField, JsonIntegerField, PersonRefSerializer
from iop.api.views import READ_ERRORS, WRITE_ERRORS
from iop.audit.services import access_record_list
from iop.viewer import person_of
from support import selectors, services
from support.api.common import READ, WRITE
from support.models import (
    EntryChannel,
    Ticket,
    TicketCategory,
    TicketEntry,
    TicketPriority,
    TicketSource,
    TicketStatus,
)
from support.services.tickets import BODY_MAX, CLIENT_MESSAGE_ID_MAX, SUBJECT_MAX


class RequesterSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="requester_id")
    name = serializers.SerializerMethodField(help_text="First name and initial.")

    def get_name(self, ticket: Ticket) -> str:
        return selectors.requester_label(ticket)


class TechSnapshotSerializer(serializers.Serializer):
    """The requester's latest tech check when the ticket opened (empty: none on file)."""

    tech_check_id = serializers.IntegerField(required=False)
    checked_at = serializers.CharField(required=False)
    passed = serializers.BooleanField(required=False)
    browser = serializers.CharField(required=False)
    device = serializers.CharField(required=False)
    camera = serializers.CharField(required=False)
    microphone = serializers.CharField(required=False)
    webrtc = serializers.BooleanField(required=False)
    download_mbps = serializers.FloatField(required=False, allow_null=True)
    problems = serializers.ListField(child=serializers.CharField(), required=False)
    user_agent = serializers.CharField(required=False)


class SlaSerializer(serializers.Serializer):
    state = serializers.CharField(
        source="sla_state", help_text="'', on_track, warned, breached or paused."
    )
    policy = serializers.CharField(source="sla_policy.name", allow_null=True, default=None)
    first_response_due_at = serializers.DateTimeField(allow_null=True)
    next_reply_due_at = serializers.DateTimeField(allow_null=True)
    resolution_due_at = serializers.DateTimeField(allow_null=True)
    next_deadline_at = serializers.DateTimeField(allow_null=True)


class TicketSerializer(serializers.ModelSerializer):
    requester = RequesterSerializer(source="*")
    client = serializers.IntegerField(source="client_id", allow_null=True)
    assignee = PersonRefSerializer(allow_null=True)
    session = serializers.IntegerField(source="session_id", allow_null=True)
    tech_snapshot = TechSnapshotSerializer()
    sla = SlaSerializer(source="*")

    class Meta:
        model = Ticket
        fields = [
            "id",
            "requester",
            "client",
            "subject",
            "category",
            "priority",
            "status",
            "tier",
            "assignee",
            "source",
            "session",
            "tech_snapshot",
            "created_at",
            "updated_at",
            "first_responded_at",
            "solved_at",
            "closed_at",
            "sla",
        ]


class EntrySerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField(
        help_text="Who wrote it: the requester by first name and initial, staff by name."
    )

    class Meta:
        model = TicketEntry
        fields = ["id", "kind", "channel", "author", "from_requester", "body", "created_at"]

    def get_author(self, entry: TicketEntry) -> str:
        ticket = entry.ticket
        if entry.author_id is not None and entry.author_id == ticket.requester_id:
            return selectors.requester_label(ticket)
        return entry.author_label


class TicketDetailSerializer(TicketSerializer):
    entries = serializers.SerializerMethodField()

    class Meta(TicketSerializer.Meta):
        fields = [*TicketSerializer.Meta.fields, "entries"]

    @extend_schema_field(EntrySerializer(many=True))
    def get_entries(self, ticket: Ticket) -> list[dict[str, Any]]:
        entries = self.context.get("entries", [])
        return EntrySerializer(entries, many=True).data  # type: ignore[return-value]


class TicketCreateSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=TicketCategory.choices)
    subject = serializers.CharField(max_length=SUBJECT_MAX)
    body = serializers.CharField(max_length=BODY_MAX)
    session = JsonIntegerField(
        required=False, allow_null=True, min_value=1, help_text="A session of the requester's."
    )
    client = JsonIntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text="Who the ticket is for. API keys must name a client of their program; "
        "people may name only themselves (or leave it out).",
    )
    priority = serializers.ChoiceField(
        choices=TicketPriority.choices,
        required=False,
        help_text="Support staff and API keys only; otherwise the session decides.",
    )


class ReplySerializer(serializers.Serializer):
    body = serializers.CharField(max_length=BODY_MAX)
    internal = JsonBooleanField(
        required=False, default=False, help_text="An internal note (support staff and keys)."
    )
    client_message_id = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=CLIENT_MESSAGE_ID_MAX,
        help_text="The sender's own id for the message: sent again, it is stored once.",
    )


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=TicketStatus.choices)


def _requester_of(request: Request, client_id: int | None) -> User | None:
    """The requester a create names: a key's client, or the person themselves."""
    principal = request.user
    if isinstance(principal, ApiKey):
        if client_id is None:
            raise ValidationError({"client": ["An API key opens tickets for a client: name one."]})
        client = clients_visible_to(principal).filter(pk=client_id).first()
        if client is None:
            raise ValidationError({"client": [f"No client with id {client_id} is visible to you."]})
        return client.user
    person = person_of(principal)
    if client_id is not None:
        own = ClientProfile.objects.filter(pk=client_id, user=person).exists()
        if not own:
            raise ValidationError({"client": ["You can only ask for help for yourself."]})
    return person


def _source_of(request: Request) -> str | None:
    return TicketSource.API if isinstance(request.user, ApiKey) else None


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=TicketStatus.values),
            OpenApiParameter("category", str, enum=TicketCategory.values),
            OpenApiParameter("priority", str, enum=TicketPriority.values),
            OpenApiParameter("tier", str, enum=["1", "2"]),
        ],
        responses={200: TicketSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(responses={200: TicketDetailSerializer, **READ_ERRORS}),
    create=extend_schema(
        request=TicketCreateSerializer,
        responses={201: TicketDetailSerializer, 200: TicketDetailSerializer, **WRITE_ERRORS},
        description="Open a ticket (201), or add to the requester's open ticket about the same "
        "session (200). The requester's latest tech check is attached.",
    ),
    reply=extend_schema(
        request=ReplySerializer,
        responses={201: EntrySerializer, 200: EntrySerializer, **WRITE_ERRORS},
        description="A public reply or an internal note. The requester replying reopens a "
        "pending or solved ticket; a closed ticket answers 409. 200 when `client_message_id` "
        "repeats a message already stored.",
    ),
    set_status=extend_schema(
        request=StatusSerializer,
        responses={200: TicketDetailSerializer, **WRITE_ERRORS},
        description="Support staff and keys set any status but new; the requester may only "
        "mark their ticket solved. Closed is final (409).",
    ),
)
class TicketViewSet(
    ListCacheMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = TicketSerializer
    queryset = Ticket.objects.none()
    lookup_value_regex = r"\d+"
    required_scopes = {
        "list": READ,
        "retrieve": READ,
        "create": WRITE,
        "reply": WRITE,
        "set_status": WRITE,
    }

    def get_queryset(self) -> QuerySet[Ticket]:
        rows = selectors.tickets_visible_to(self.request.user).select_related("client")
        for name in ("status", "category", "priority"):
            values = {
                "status": TicketStatus.values,
                "category": TicketCategory.values,
                "priority": TicketPriority.values,
            }[name]
            wanted = choice_param(self.request, name, values)
            if wanted:
                rows = rows.filter(**{name: wanted})
        tier = choice_param(self.request, "tier", ["1", "2"])
        if tier:
            rows = rows.filter(tier=int(tier))
        return rows.order_by("-created_at", "-id")

    def _ticket(self) -> Ticket:
        try:
            return selectors.ticket_get_for(self.request.user, int(self.kwargs["pk"]))
        except Ticket.DoesNotExist:
            raise NotFound("No such ticket.") from None

    def _detail(self, ticket: Ticket, *, code: int = 200) -> Response:
        entries = selectors.ticket_entries_for(self.request.user, ticket)
        body = TicketDetailSerializer(ticket, context={"entries": entries}).data
        return Response(body, status=code)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        access_record_list(
            actor=request.user,
            clients={t.client_id: t.client for t in page if t.client_id}.values(),
            object_type="support.Ticket",
        )
        return self.get_paginated_response(TicketSerializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self._ticket())

    def create(self, request, *args, **kwargs):
        data = TicketCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        requester = _requester_of(request, values.get("client"))
        session = None
        if values.get("session") is not None and requester is not None:
            session = selectors.session_of_requester(requester, values["session"])
            if session is None:
                raise ValidationError(
                    {"session": [f"No session with id {values['session']} is the requester's."]}
                )
        ticket, created = services.ticket_open(
            actor=request.user,
            requester=requester,
            category=values["category"],
            subject=values["subject"],
            body=values["body"],
            session=session,
            priority=values.get("priority"),
            source=_source_of(request),
        )
        ticket = selectors.ticket_get_for(request.user, ticket.pk, audit=False)
        return self._detail(ticket, code=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        ticket = self._ticket()
        data = ReplySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry, created = services.ticket_reply(
            actor=request.user,
            ticket=ticket,
            body=data.validated_data["body"],
            internal=data.validated_data["internal"],
            client_message_id=data.validated_data["client_message_id"],
            channel=EntryChannel.API if isinstance(request.user, ApiKey) else None,
        )
        return Response(
            EntrySerializer(entry).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @action(detail=True, methods=["post"], url_path="status", url_name="status")
    def set_status(self, request, pk=None):
        ticket = self._ticket()
        data = StatusSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.ticket_status_set(
            actor=request.user, ticket=ticket, status=data.validated_data["status"]
        )
        return self._detail(selectors.ticket_get_for(request.user, ticket.pk, audit=False))
