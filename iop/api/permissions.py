"""Who may call the API at all, and which scope an API key needs for each action."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.permissions import BasePermission

from iop.accounts.middleware import owes_second_factor
from iop.api.models import ApiKey


class TwoFactorRequired(exceptions.PermissionDenied):
    default_code = "two_factor_required"
    default_detail = "Staff must verify a second factor before using the API."


class InsufficientScope(exceptions.PermissionDenied):
    default_code = "insufficient_scope"

    def __init__(self, scope: str):
        super().__init__(f"This API key lacks the '{scope}' scope.", code=self.default_code)
        self.scope = scope


class IsVerifiedPrincipal(BasePermission):
    """The default permission of every API view.

    People: signed in and active; staff also need a verified OTP device (the two-factor
    middleware already guards /api/ for sessions; this is defence in depth). What they see is
    then scoped by the selectors.

    API keys: usable, and holding the scope the view names for this action. A view sets
    `required_scopes = {"list": Scope.CLIENTS_READ, ...}` keyed by viewset action, or by
    HTTP method ("get", "post") for plain views; None means any key may call it. An action
    the map does not name is refused, so a new endpoint is closed to keys until it says so.
    """

    def has_permission(self, request, view) -> bool:
        principal = request.user
        if principal is None or not principal.is_authenticated:
            return False  # DRF answers 401 not_authenticated
        if isinstance(principal, ApiKey):
            return principal.is_usable() and self._key_may(principal, request, view)
        if not principal.is_active:
            return False
        if owes_second_factor(principal):
            is_verified = getattr(principal, "is_verified", None)
            if is_verified is None or not is_verified():
                raise TwoFactorRequired()
        return True

    @staticmethod
    def _key_may(key: ApiKey, request, view) -> bool:
        action = getattr(view, "action", None) or request.method.lower()
        if action == "metadata":
            return True  # OPTIONS describes the endpoint and returns no records
        if not _handles(view, request.method):
            return True  # the view answers 405, as it does to everyone
        scopes = getattr(view, "required_scopes", {})
        if action not in scopes:
            raise exceptions.PermissionDenied("API keys cannot use this endpoint.")
        scope = scopes[action]
        if scope is not None and not key.has_scope(scope):
            raise InsufficientScope(scope)
        return True


def _handles(view, method: str) -> bool:
    """Whether the view has a handler for `method` (a viewset: an action routed to it)."""
    action_map = getattr(view, "action_map", None)
    if action_map is not None:
        return method.lower() in action_map
    return method.lower() in view.http_method_names and hasattr(view, method.lower())
