"""What the crisis API views share: the client parameter's schema, the staff check. (The
visible-client field and filter are the API core's: iop.api.serializers, iop.api.params.)"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import PermissionDenied

from iop.api.models import ApiKey

CLIENT_PARAM = OpenApiParameter("client", int, description="Only this client's records.")


def staff_or_key(request) -> None:
    if not isinstance(request.user, ApiKey) and not request.user.is_staff_member:
        raise PermissionDenied("This is for clinic staff and integrations.")
