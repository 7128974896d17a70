"""What the crisis API views share: the visible-client field and filter, the staff check."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request

from iop.accounts.models import ClientProfile
from iop.accounts.selectors import client_get_for, clients_visible_to
from iop.api.models import ApiKey
from iop.api.params import id_param


def visible_client_field() -> serializers.PrimaryKeyRelatedField:
    return serializers.PrimaryKeyRelatedField(
        queryset=ClientProfile.objects.none(),
        error_messages={"does_not_exist": "No client with id {pk_value} is visible to you."},
        style={"base_template": "input.html"},
    )


class ScopedClientMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["client"].queryset = clients_visible_to(request.user)


def client_filter(request: Request) -> ClientProfile | None:
    client_id = id_param(request, "client")
    if client_id is None:
        return None
    try:
        return client_get_for(request.user, client_id, audit=False)
    except ClientProfile.DoesNotExist:
        raise NotFound("No such client.") from None


CLIENT_PARAM = OpenApiParameter("client", int, description="Only this client's records.")


def staff_or_key(request) -> None:
    if not isinstance(request.user, ApiKey) and not request.user.is_staff_member:
        raise PermissionDenied("This is for clinic staff and integrations.")
