"""Clients over the API: scoped by clients_visible_to, and every read is audit-logged."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.response import Response

from iop.accounts.models import CareTeamMember, ClientProfile
from iop.accounts.selectors import (
    client_get_for,
    clients_visible_to,
    emergency_contacts_for,
    primary_clinician_of,
)
from iop.api.list_cache import ListCacheMixin
from iop.api.models import Scope
from iop.api.serializers import PersonRefSerializer, ProgramRefSerializer
from iop.api.views import READ_ERRORS
from iop.audit.services import access_record_list


class ClientSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="user.full_name")
    program = ProgramRefSerializer()
    primary_clinician = serializers.SerializerMethodField()

    class Meta:
        model = ClientProfile
        fields = ["id", "record_number", "name", "program", "primary_clinician", "admitted_on"]

    @extend_schema_field(PersonRefSerializer(allow_null=True))
    def get_primary_clinician(self, client: ClientProfile) -> dict | None:
        members = getattr(client, "primary_members", None)
        if members is not None:
            clinician = members[0].clinician if members else None
        else:
            clinician = primary_clinician_of(client)
        # One small dict per row: a serializer per row copies its fields each time.
        return {"id": clinician.pk, "name": clinician.display_name} if clinician else None


class EmergencyContactSerializer(serializers.Serializer):
    priority = serializers.IntegerField()
    name = serializers.CharField()
    relationship = serializers.CharField()
    phone = serializers.CharField()


class ClientDetailSerializer(ClientSerializer):
    emergency_contacts = serializers.SerializerMethodField()

    class Meta(ClientSerializer.Meta):
        fields = [*ClientSerializer.Meta.fields, "emergency_contacts"]

    @extend_schema_field(EmergencyContactSerializer(many=True))
    def get_emergency_contacts(self, client: ClientProfile) -> list[dict[str, Any]]:
        contacts = emergency_contacts_for(self.context["request"].user, client)
        return list(EmergencyContactSerializer(contacts, many=True).data)


@extend_schema_view(
    list=extend_schema(responses={200: ClientSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: ClientDetailSerializer, **READ_ERRORS}),
)
class ClientViewSet(
    ListCacheMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Clients the caller may see: themself, a caseload, a program, or an API key's program."""

    serializer_class = ClientSerializer
    queryset = ClientProfile.objects.none()  # for the schema; requests use get_queryset()
    lookup_value_regex = r"\d+"
    required_scopes = {"list": Scope.CLIENTS_READ, "retrieve": Scope.CLIENTS_READ}

    def get_queryset(self) -> QuerySet[ClientProfile]:
        primary = CareTeamMember.objects.filter(is_primary=True).select_related("clinician")
        return (
            clients_visible_to(self.request.user)
            .prefetch_related(Prefetch("care_team", queryset=primary, to_attr="primary_members"))
            .order_by("user__full_name", "pk")
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        access_record_list(actor=request.user, clients=page, object_type="accounts.ClientProfile")
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        client = client_get_for(request.user, int(kwargs["pk"]))
        return Response(ClientDetailSerializer(client, context=self.get_serializer_context()).data)
