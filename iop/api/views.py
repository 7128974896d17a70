"""The API's own endpoints: who am I. Resources live in each app's api.py."""

from __future__ import annotations

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from iop.api.models import ApiKey
from iop.api.serializers import ApiKeyMeSerializer, ErrorSerializer, UserMeSerializer

# The error responses most endpoints can give, for the schema.
ERRORS = {
    401: ErrorSerializer,
    403: ErrorSerializer,
    429: ErrorSerializer,
}
# 400: a query parameter with a bad value (it names the parameter).
READ_ERRORS = {**ERRORS, 400: ErrorSerializer, 404: ErrorSerializer}
WRITE_ERRORS = {**READ_ERRORS, 400: ErrorSerializer, 409: ErrorSerializer}


class MeView(APIView):
    """The principal making the request: a signed-in person or an API key."""

    required_scopes = {"get": None}

    @extend_schema(
        responses={
            200: PolymorphicProxySerializer(
                component_name="Me",
                serializers={"user": UserMeSerializer, "api_key": ApiKeyMeSerializer},
                resource_type_field_name="type",
            ),
            **ERRORS,
        }
    )
    def get(self, request):
        if isinstance(request.user, ApiKey):
            return Response(ApiKeyMeSerializer(request.user).data)
        return Response(UserMeSerializer(request.user).data)
