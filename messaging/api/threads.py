"""Care-team threads and their messages: list, read, start a thread, send a message.

Scoped as the pages are: a client their own threads, a clinician their caseload's, a supervisor
their program's, an API key (messages:read) its program's; support agents see none. Only people
write (API keys are refused with 403), and who may not write at all is refused before the body
is read.
"""

from __future__ import annotations

from django.db.models import F, QuerySet
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from iop.accounts.models import User
from iop.api.list_cache import ListCacheMixin
from iop.api.models import Scope
from iop.api.params import client_param, id_param
from iop.api.serializers import (
    JsonIntegerField,
    PersonRefSerializer,
    ScopedClientMixin,
    visible_client_field,
)
from iop.api.views import READ_ERRORS, WRITE_ERRORS
from iop.audit.services import access_record_list
from messaging import selectors
from messaging.models import BODY_MAX, SUBJECT_MAX, Message, MessageThread
from messaging.services import message_send, thread_start
from messaging.services.threads import require_may_message


class MessageSerializer(serializers.ModelSerializer):
    thread = serializers.IntegerField(source="thread_id")
    author = PersonRefSerializer(allow_null=True, help_text="None for Harbor's automatic reply.")

    class Meta:
        model = Message
        fields = ["id", "thread", "kind", "author", "from_client", "body", "sent_at", "crisis"]


class MessageThreadSerializer(serializers.ModelSerializer):
    client = serializers.IntegerField(source="client_id")
    started_by = PersonRefSerializer()
    staff = serializers.SerializerMethodField(
        help_text="Staff the thread is addressed to by name (empty: the whole care team)."
    )
    last_answered_by = PersonRefSerializer(allow_null=True)
    unread = serializers.IntegerField(help_text="Messages the caller has not read (0 for keys).")

    class Meta:
        model = MessageThread
        fields = [
            "id",
            "client",
            "subject",
            "to_care_team",
            "started_by",
            "staff",
            "created_at",
            "last_message_at",
            "awaiting_reply_since",
            "last_answered_by",
            "last_answered_at",
            "unread",
        ]

    @extend_schema_field(PersonRefSerializer(many=True))
    def get_staff(self, thread: MessageThread) -> list[dict]:
        return [PersonRefSerializer(p).data for p in thread.staff.all()]


class ThreadCreateSerializer(ScopedClientMixin, serializers.Serializer):
    client = visible_client_field(required=False)
    subject = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=SUBJECT_MAX
    )
    body = serializers.CharField(max_length=BODY_MAX)
    colleagues = serializers.ListField(
        child=JsonIntegerField(min_value=1),
        required=False,
        default=list,
        max_length=20,
        help_text="Staff ids of the client's care team to address by name (staff only).",
    )


class MessageCreateSerializer(serializers.Serializer):
    thread = serializers.PrimaryKeyRelatedField(
        queryset=MessageThread.objects.none(),
        error_messages={
            "does_not_exist": "No conversation with id {pk_value} is visible to you.",
            "incorrect_type": "Give the conversation's id, a whole number.",
        },
    )
    body = serializers.CharField(max_length=BODY_MAX)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            field = self.fields["thread"]
            assert isinstance(field, serializers.PrimaryKeyRelatedField)
            field.queryset = selectors.threads_visible_to(request.user)


CLIENT_PARAM = OpenApiParameter("client", int, description="Only this client's conversations.")
THREAD_PARAM = OpenApiParameter("thread", int, description="Only this conversation's messages.")


@extend_schema_view(
    list=extend_schema(
        parameters=[CLIENT_PARAM],
        responses={200: MessageThreadSerializer(many=True), **READ_ERRORS},
        description="Conversations the caller may see, the oldest unanswered client message first.",
    ),
    retrieve=extend_schema(responses={200: MessageThreadSerializer, **READ_ERRORS}),
    create=extend_schema(
        request=ThreadCreateSerializer,
        responses={201: MessageThreadSerializer, **WRITE_ERRORS},
        description="A client writes to their care team (no `client`); clinical staff write to "
        "a client they may see, alone or with `colleagues` of the client's care team. A client's "
        "message passes the crisis screen. API keys are refused (403).",
    ),
)
class MessageThreadViewSet(
    ListCacheMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = MessageThreadSerializer
    queryset = MessageThread.objects.none()
    lookup_value_regex = r"\d+"
    required_scopes = {"list": Scope.MESSAGES_READ, "retrieve": Scope.MESSAGES_READ}

    def get_queryset(self) -> QuerySet[MessageThread]:
        rows = selectors.with_unread(
            selectors.threads_visible_to(self.request.user), self.request.user
        ).prefetch_related("staff")
        client = client_param(self.request)
        if client is not None:
            rows = rows.filter(client=client)
        return rows.order_by(
            F("awaiting_reply_since").asc(nulls_last=True), "-last_message_at", "-id"
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        access_record_list(
            actor=request.user,
            clients=[t.client for t in page],
            object_type="messaging.MessageThread",
        )
        return self.get_paginated_response(MessageThreadSerializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        try:
            thread = selectors.thread_get_for(request.user, int(self.kwargs["pk"]))
        except MessageThread.DoesNotExist:
            raise NotFound("No such conversation.") from None
        return Response(MessageThreadSerializer(thread).data)

    def create(self, request, *args, **kwargs):
        require_may_message(request.user)
        data = ThreadCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        ids = data.validated_data["colleagues"]
        colleagues = list(User.objects.filter(pk__in=ids, is_active=True)) if ids else []
        missing = set(ids) - {c.pk for c in colleagues}
        if missing:
            raise serializers.ValidationError(
                {"colleagues": [f"No staff member with id {min(missing)}."]}
            )
        thread, _ = thread_start(
            actor=request.user,
            client=data.validated_data.get("client"),
            subject=data.validated_data["subject"],
            body=data.validated_data["body"],
            colleagues=colleagues,
        )
        found = selectors.thread_get_for(request.user, thread.pk, audit=False)
        return Response(MessageThreadSerializer(found).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        parameters=[THREAD_PARAM],
        responses={200: MessageSerializer(many=True), **READ_ERRORS},
        description="Messages the caller may see, oldest first.",
    ),
    retrieve=extend_schema(responses={200: MessageSerializer, **READ_ERRORS}),
    create=extend_schema(
        request=MessageCreateSerializer,
        responses={201: MessageSerializer, **WRITE_ERRORS},
        description="The conversation's client, or clinical staff who may see the client, write "
        "in it. A client's message passes the crisis screen (`crisis` true: their care team is "
        "alerted). API keys are refused (403).",
    ),
)
class MessageViewSet(
    ListCacheMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = MessageSerializer
    queryset = Message.objects.none()
    lookup_value_regex = r"\d+"
    required_scopes = {"list": Scope.MESSAGES_READ, "retrieve": Scope.MESSAGES_READ}

    def get_queryset(self) -> QuerySet[Message]:
        rows = selectors.messages_visible_to(self.request.user)
        thread_id = id_param(self.request, "thread")
        if thread_id is not None:
            try:
                thread = selectors.thread_get_for(self.request.user, thread_id, audit=False)
            except MessageThread.DoesNotExist:
                raise NotFound("No such conversation.") from None
            rows = rows.filter(thread=thread)
        return rows.order_by("sent_at", "id")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        access_record_list(
            actor=request.user,
            clients=[m.thread.client for m in page],
            object_type="messaging.Message",
        )
        return self.get_paginated_response(MessageSerializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        try:
            message = selectors.message_get_for(request.user, int(self.kwargs["pk"]))
        except Message.DoesNotExist:
            raise NotFound("No such message.") from None
        return Response(MessageSerializer(message).data)

    def create(self, request, *args, **kwargs):
        require_may_message(request.user)
        data = MessageCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        message = message_send(
            actor=request.user,
            thread=data.validated_data["thread"],
            body=data.validated_data["body"],
        )
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)
