"""Consents over the API: the ledger visible to the caller, grants, withdrawals, and states."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from iop.accounts.models import ClientProfile
from iop.accounts.selectors import client_get_for, clients_visible_to
from iop.api.list_cache import ListCacheMixin
from iop.api.models import Scope
from iop.api.params import id_param
from iop.api.serializers import PersonRefSerializer
from iop.api.views import READ_ERRORS, WRITE_ERRORS
from iop.audit.models import Action
from iop.audit.services import access_record, access_record_list
from iop.consents import services
from iop.consents.models import ConsentKind, ConsentMethod, ConsentRecord
from iop.consents.selectors import consent_records_visible_to, consent_states, current_document


class DocumentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.IntegerField()
    title = serializers.CharField()


class DocumentSerializer(DocumentRefSerializer):
    summary = serializers.CharField()


class ConsentRecordSerializer(serializers.ModelSerializer):
    client = serializers.IntegerField(source="client_id")
    document = DocumentRefSerializer()
    recorded_by = PersonRefSerializer()

    class Meta:
        model = ConsentRecord
        fields = [
            "id",
            "client",
            "kind",
            "action",
            "method",
            "document",
            "recorded_by",
            "recorded_at",
            "note",
        ]


class ConsentChangeSerializer(serializers.Serializer):
    """A grant or withdrawal asked for by the caller; the service decides if it is allowed."""

    client = serializers.PrimaryKeyRelatedField(
        queryset=ClientProfile.objects.none(),
        error_messages={"does_not_exist": "No client with id {pk_value} is visible to you."},
        # A text box in the browsable API: a <select> would list every visible client's name
        # without an audit row.
        style={"base_template": "input.html"},
    )
    kind = serializers.ChoiceField(choices=ConsentKind.choices)
    method = serializers.ChoiceField(choices=ConsentMethod.choices)
    note = serializers.CharField(max_length=300, allow_blank=True, required=False, default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["client"].queryset = clients_visible_to(request.user)


class LatestRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    action = serializers.CharField()
    method = serializers.CharField()
    recorded_at = serializers.DateTimeField()
    document_version = serializers.IntegerField(source="document.version")


class ConsentStateSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # an output key, not Field.label
    active = serializers.BooleanField()
    needs_new_version = serializers.BooleanField()
    document = DocumentSerializer(allow_null=True, help_text="The current text of this kind.")
    latest = LatestRecordSerializer(allow_null=True, help_text="The latest grant or withdrawal.")


class ClientConsentStatesSerializer(serializers.Serializer):
    client = serializers.IntegerField()
    consents = ConsentStateSerializer(many=True)


class ConsentRecordFilter(django_filters.FilterSet):
    client = django_filters.NumberFilter(field_name="client_id")
    kind = django_filters.ChoiceFilter(choices=ConsentKind.choices)

    class Meta:
        model = ConsentRecord
        fields = ["client", "kind"]


@extend_schema_view(
    list=extend_schema(responses={200: ConsentRecordSerializer(many=True), **READ_ERRORS}),
    create=extend_schema(
        request=ConsentChangeSerializer,
        responses={201: ConsentRecordSerializer, **WRITE_ERRORS},
        description="Record a grant of the current document of `kind`.",
    ),
    withdraw=extend_schema(
        request=ConsentChangeSerializer,
        responses={201: ConsentRecordSerializer, **WRITE_ERRORS},
        description="Record a withdrawal; 409 when there is no active consent of `kind`.",
    ),
)
class ConsentRecordViewSet(ListCacheMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The append-only ledger of grants and withdrawals the caller may see."""

    serializer_class = ConsentRecordSerializer
    queryset = ConsentRecord.objects.none()  # for the schema; requests use get_queryset()
    filterset_class = ConsentRecordFilter
    required_scopes = {
        "list": Scope.CONSENTS_READ,
        "create": Scope.CONSENTS_WRITE,
        "withdraw": Scope.CONSENTS_WRITE,
    }

    def get_queryset(self) -> QuerySet[ConsentRecord]:
        return consent_records_visible_to(self.request.user).order_by("-recorded_at", "-id")

    def get_serializer_class(self):
        if self.action in ("create", "withdraw"):
            return ConsentChangeSerializer
        return ConsentRecordSerializer

    def list(self, request, *args, **kwargs):
        self._require_visible_client_filter(request)
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        clients = {record.client_id: record.client for record in page}
        access_record_list(
            actor=request.user, clients=clients.values(), object_type="consents.ConsentRecord"
        )
        return self.get_paginated_response(ConsentRecordSerializer(page, many=True).data)

    def _require_visible_client_filter(self, request) -> None:
        """Asking for the consents of a client one may not see is a 404, as on the detail."""
        client_id = id_param(request, "client")
        if (
            client_id is not None
            and not clients_visible_to(request.user).filter(pk=client_id).exists()
        ):
            raise NotFound("No such client.")

    def create(self, request, *args, **kwargs):
        data = self._change(request)
        document = current_document(data["kind"])
        if document is None:
            raise serializers.ValidationError(
                {"kind": ["There is no published document of this kind to agree to yet."]}
            )
        record = services.consent_grant(
            actor=request.user,
            client=data["client"],
            document=document,
            method=data["method"],
            note=data["note"],
        )
        return self._created(record)

    @action(detail=False, methods=["post"])
    def withdraw(self, request, *args, **kwargs):
        data = self._change(request)
        record = services.consent_withdraw(
            actor=request.user,
            client=data["client"],
            kind=data["kind"],
            method=data["method"],
            note=data["note"],
        )
        return self._created(record)

    def _change(self, request) -> dict:
        serializer = ConsentChangeSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _created(self, record: ConsentRecord) -> Response:
        record = ConsentRecord.objects.select_related("document", "recorded_by").get(pk=record.pk)
        return Response(ConsentRecordSerializer(record).data, status=status.HTTP_201_CREATED)


class ClientConsentStatesView(APIView):
    """One line per consent kind for a client: the current text and whether it is agreed."""

    required_scopes = {"get": Scope.CONSENTS_READ}

    @extend_schema(
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)],
        responses={200: ClientConsentStatesSerializer, **READ_ERRORS},
    )
    def get(self, request, id: int):
        client = client_get_for(request.user, id, audit=False)
        states = consent_states(client)
        access_record(actor=request.user, action=Action.VIEW, client=client, object_type="consents")
        return Response(
            ClientConsentStatesSerializer({"client": client.pk, "consents": states}).data
        )
