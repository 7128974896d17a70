"""One error shape for every API failure: {"error": {"code", "message", "fields"}}.

`fields` maps a field name to a list of messages; it is empty unless the input was invalid.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import set_rollback

from iop.domain import DomainError

NON_FIELD = "non_field_errors"

# Messages for DRF's generic failures, in the clinic's plain words.
_MESSAGES = {
    "not_authenticated": "Sign in, or send an API key as 'Authorization: Bearer <key>'.",
    "invalid": "Some of the input is not valid; see fields.",
}


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _merge(into: dict[str, list[str]], more: dict[str, list[str]]) -> None:
    for key, messages in more.items():
        into.setdefault(key, []).extend(messages)


def _flatten(detail: Any, name: str = "") -> dict[str, list[str]]:
    """DRF nests errors (dicts and lists for nested input); we flatten them to dotted names."""
    fields: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            key = NON_FIELD if key == NON_FIELD_ERRORS else str(key)
            _merge(fields, _flatten(value, f"{name}.{key}" if name else key))
    elif isinstance(detail, list) and any(isinstance(item, (dict, list)) for item in detail):
        for index, item in enumerate(detail):
            if item:  # DRF puts {} for the valid items of a list
                _merge(fields, _flatten(item, f"{name}.{index}" if name else str(index)))
    elif isinstance(detail, list):
        fields[name or NON_FIELD] = [str(item) for item in detail]
    else:
        fields[name or NON_FIELD] = [str(detail)]
    return fields


def _from_django_validation(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            NON_FIELD if key == NON_FIELD_ERRORS else key: list(messages)
            for key, messages in exc.message_dict.items()
        }
    return {NON_FIELD: list(exc.messages)}


def _code_of(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else exc.default_code
    if code == "permission_denied" and str(exc.detail).startswith("CSRF Failed"):
        return "csrf_failed"
    return code


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's EXCEPTION_HANDLER: map every known failure to the one error shape."""
    if isinstance(exc, DomainError):
        set_rollback()
        return Response(error_body(exc.code, exc.message, exc.fields), status=exc.status)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_from_django_validation(exc))
    elif isinstance(exc, (Http404, ObjectDoesNotExist)):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    if not isinstance(exc, exceptions.APIException):
        return None  # a bug: Django logs it and handler500 answers with the same shape

    headers = {}
    auth_header = getattr(exc, "auth_header", None)
    if auth_header:
        headers["WWW-Authenticate"] = str(auth_header)
    wait = getattr(exc, "wait", None)
    if wait:
        headers["Retry-After"] = f"{int(wait)}"

    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        code, message = "invalid", _MESSAGES["invalid"]
        if set(fields) == {NON_FIELD}:
            message = " ".join(fields[NON_FIELD])
    else:
        fields = {}
        code = _code_of(exc)
        message = _MESSAGES.get(code) or str(exc.detail)
    set_rollback()
    return Response(error_body(code, message, fields), status=exc.status_code, headers=headers)


# What the API answers when Django itself (not a view) refuses a request under /api/.
_STATUS_ERRORS = {
    400: ("bad_request", "The request could not be read."),
    403: ("forbidden", "You do not have permission to do this."),
    404: ("not_found", "There is no API endpoint at this address."),
    405: ("method_not_allowed", "This endpoint does not take this method."),
    500: ("server_error", "Something went wrong on our side. Please try again."),
}


def is_api_path(request) -> bool:
    return request.path.startswith("/api/")


def api_error_response(request, status: int, message: str = "") -> JsonResponse | None:
    """The API's JSON error for `status` when the request is under /api/, else None.

    The hook for Django's global handlers (handler400/403/404/500 and CSRF_FAILURE_VIEW): call
    it first and return its answer when it gives one, so every failure under /api/ answers in
    the one error shape whatever page the rest of the site shows. A CSRF failure is
    `api_error_response(request, 403, reason)` and answers code "csrf_failed".
    """
    if not is_api_path(request):
        return None
    code, default = _STATUS_ERRORS.get(status, ("error", "The request failed."))
    if status == 403 and message:
        code, message = "csrf_failed", f"CSRF Failed: {message}"
    return JsonResponse(error_body(code, message or default), status=status)


@csrf_exempt  # answers 404 to every method: Django's CSRF page must not answer first
def not_found(request, *args, **kwargs) -> JsonResponse:
    """Unknown URLs under /api/ answer in JSON, pointing at the slash form when that exists."""
    message = "There is no API endpoint at this address."
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path_info + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not not_found:
            message += f" Did you mean {request.path}/ ?"
    return JsonResponse(error_body("not_found", message), status=404)
