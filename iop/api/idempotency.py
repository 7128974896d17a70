"""Idempotency-Key on every POST under /api/: a retried request is answered, not repeated.

An integrator whose connection drops after sending a POST cannot know whether it was done. With
`Idempotency-Key: <their unique string>` it may simply send it again: the first request's
response is stored, and a repeat by the same caller with the same key and the same method, path
and body gets that response again (marked `Idempotent-Replayed: true`) without running twice.
The same key with a different request is a 409, as is a repeat while the first still runs.
Keys are kept for IDEMPOTENCY_TTL. Responses Harbor may answer differently next time (401, 403,
429 and server errors) are not kept, so a retry after fixing the cause runs.

A middleware, last in the list, so it sees every POST the API answers: the caller is known
(the session's user, or the API key, checked by the API's own authentication) before a stored
response is handed back, and the staff two-factor gate has already run.
"""

from __future__ import annotations

import hashlib
import re

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.request import RawPostDataException
from django.utils import timezone
from rest_framework import exceptions

from iop.api.authentication import ApiKeyAuthentication
from iop.api.errors import error_body, is_api_path
from iop.api.models import IDEMPOTENCY_TTL, IdempotentRequest

HEADER = "Idempotency-Key"
# Printable ASCII without spaces: a UUID, a hash, an integrator's own request id.
KEY_PATTERN = r"^[!-~]{1,255}$"
_KEY = re.compile(KEY_PATTERN)
NOT_KEPT = frozenset({401, 403, 429})

SCHEMA_PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": KEY_PATTERN},
    "description": "Your unique id for this request (e.g. a UUID). A repeat with the same key "
    "and the same request returns the first response without doing it again; the same key "
    "with a different request is a 409. Kept for 24 hours.",
}


def _owner_of(request: HttpRequest) -> str | None:
    """Whose keys these are: the API key presented (checked), else the signed-in user."""
    try:
        found = ApiKeyAuthentication().authenticate(request)
    except exceptions.AuthenticationFailed:
        return None  # the view answers 401; nothing is stored or replayed
    if found is not None:
        return f"key:{found[0].pk}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return None


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    for part in (request.method or "", request.get_full_path()):
        digest.update(part.encode())
        digest.update(b"\n")
    digest.update(request.body)
    return digest.hexdigest()


def _refusal(status: int, code: str, message: str, **headers: str) -> JsonResponse:
    fields = {HEADER: [message]} if status == 400 else None
    response = JsonResponse(error_body(code, message, fields), status=status)
    for name, value in headers.items():
        response[name] = value
    return response


def _claim(owner: str, key: str, fingerprint: str) -> tuple[IdempotentRequest, bool]:
    """The row for (owner, key), made here (True) or by an earlier request (False).

    An earlier request's row can vanish between our failed insert and our read (its answer was
    one that is not kept, such as a 403, and it deleted the row): then we try again to make it.
    """
    now = timezone.now()
    IdempotentRequest.objects.filter(
        owner=owner, key=key, created_at__lt=now - IDEMPOTENCY_TTL
    ).delete()
    while True:
        try:
            with transaction.atomic():
                return IdempotentRequest.objects.create(
                    owner=owner, key=key, fingerprint=fingerprint, created_at=now
                ), True
        except IntegrityError:
            found = IdempotentRequest.objects.filter(owner=owner, key=key).first()
            if found is not None:
                return found, False


def _replay(record: IdempotentRequest) -> HttpResponse:
    assert record.status_code is not None
    response = HttpResponse(
        record.body.encode(), status=record.status_code, content_type=record.content_type
    )
    response["Idempotent-Replayed"] = "true"
    return response


def _keep(record: IdempotentRequest, response: HttpResponse) -> None:
    content = getattr(response, "content", None)
    if response.status_code >= 500 or response.status_code in NOT_KEPT or content is None:
        record.delete()
        return
    try:
        record.body = content.decode()
    except UnicodeDecodeError:
        record.delete()
        return
    record.status_code = response.status_code
    record.content_type = response.get("Content-Type", "")[:100]
    record.save(update_fields=["status_code", "content_type", "body"])


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if key is None or request.method != "POST" or not is_api_path(request):
            return self.get_response(request)
        if not _KEY.fullmatch(key):
            return _refusal(
                400,
                "invalid",
                "Send 1 to 255 printable ASCII characters without spaces, e.g. a UUID.",
            )
        owner = _owner_of(request)
        if owner is None:
            return self.get_response(request)
        try:
            fingerprint = _fingerprint(request)
        except RawPostDataException:
            return self.get_response(request)  # the body was streamed; nothing to compare
        record, made = _claim(owner, key, fingerprint)
        if not made:
            if record.fingerprint != fingerprint:
                return _refusal(
                    409,
                    "idempotency_key_reused",
                    "This Idempotency-Key was used for a different request; use a new key.",
                )
            if record.status_code is None:
                return _refusal(
                    409,
                    "idempotency_in_progress",
                    "A request with this Idempotency-Key is still running; retry shortly.",
                    **{"Retry-After": "1"},
                )
            return _replay(record)
        try:
            response = self.get_response(request)
        except BaseException:
            record.delete()
            raise
        _keep(record, response)
        return response


def document_idempotency(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: every POST takes the header and may answer 409."""
    for operations in result.get("paths", {}).values():
        post = operations.get("post")
        if post is None:
            continue
        post.setdefault("parameters", []).append(SCHEMA_PARAMETER)
        post.setdefault("responses", {}).setdefault(
            "409",
            {
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                "description": "The Idempotency-Key was used for another request, or its "
                "first request is still running.",
            },
        )
    return result
