"""API-key authentication: `Authorization: Bearer hbr_<prefix>_<secret>`.

The prefix finds the key; the secret is compared with its stored hash in constant time.
An unknown, wrong, expired or revoked key is refused with 401, never passed on to the
session: a request that presents a key is judged by that key alone.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from iop.api.key_lookup import api_key_by_prefix
from iop.api.models import KEY_PREFIX, ApiKey, hash_secret

# last_used_at is written at most this often per key, so busy integrators cost no writes.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class InvalidApiKey(exceptions.AuthenticationFailed):
    default_code = "invalid_api_key"
    default_detail = "The API key is not valid."


def _parse(token: str) -> tuple[str, str] | None:
    """Split 'hbr_<prefix>_<secret>' (the secret itself may contain '_')."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def touch_last_used(key: ApiKey) -> None:
    now = timezone.now()
    cutoff = now - LAST_USED_RESOLUTION
    if key.last_used_at is not None and key.last_used_at > cutoff:
        return
    # Conditional, so concurrent requests write the row once.
    ApiKey.objects.filter(pk=key.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=cutoff)
    ).update(last_used_at=now)
    key.last_used_at = now


class ApiKeyAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None  # not ours: the session may authenticate the request
        if len(header) != 2:
            raise InvalidApiKey("Send the key as 'Authorization: Bearer <key>'.")
        try:
            token = header[1].decode()
        except UnicodeError:
            raise InvalidApiKey() from None
        return self.authenticate_token(token)

    def authenticate_token(self, token: str) -> tuple[ApiKey, ApiKey]:
        parsed = _parse(token)
        if parsed is None:
            raise InvalidApiKey()
        prefix, secret = parsed
        key = api_key_by_prefix(prefix)
        if key is None:
            hash_secret(secret)  # spend the same time as a real comparison
            raise InvalidApiKey()
        if not key.matches(secret):
            raise InvalidApiKey()
        if key.revoked_at is not None:
            raise InvalidApiKey("This API key has been revoked.", code="api_key_revoked")
        if not key.is_usable():
            raise InvalidApiKey("This API key has expired.", code="api_key_expired")
        touch_last_used(key)
        return key, key

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (not 403) when credentials are missing.
        return f'{self.keyword} realm="api"'


def key_action_of(view, method: str) -> str | None:
    """The entry of `view.required_scopes` that admits an API key to `method`, or None."""
    action = getattr(view, "action", None) or method.lower()
    return action if action in getattr(view, "required_scopes", {}) else None


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "iop.api.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_requirement(self, auto_schema):
        """Only the operations a key may call list the key: the schema says what each kind of
        caller may do (a view's `required_scopes`, as IsVerifiedPrincipal enforces them)."""
        if key_action_of(auto_schema.view, auto_schema.method) is None:
            return []
        return {self.name: []}

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "hbr_<prefix>_<secret>",
            "description": "An API key made by a Harbor administrator; it is shown once.",
        }
