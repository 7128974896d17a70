"""No NUL byte reaches PostgreSQL: a request carrying one is a 400 before any view runs.

PostgreSQL text and jsonb cannot hold U+0000, so a NUL in a path segment, a query value or a
JSON/form body would otherwise surface as a DataError (a 500) wherever it met the database.
Django's and DRF's form and serializer fields already refuse NUL in the fields they parse; this
covers what they don't see: URL paths, query strings and raw JSON bodies.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

from iop.api.errors import error_body

_TEXT_BODIES = ("application/json", "application/x-www-form-urlencoded")
MESSAGE = "The request contains a NUL character, which Harbor does not accept."


def _has_nul(request: HttpRequest) -> str | None:
    """The part of the request that carries a NUL byte, or None."""
    if "\x00" in request.path:
        return "path"
    query = request.META.get("QUERY_STRING", "")
    if "%00" in query or b"\x00" in unquote_to_bytes(query):
        return "query"
    if request.content_type in _TEXT_BODIES and request.method in ("POST", "PUT", "PATCH"):
        body = request.body  # bounded by DATA_UPLOAD_MAX_MEMORY_SIZE
        # "%00" is a NUL only once a form body is decoded; in JSON it is three characters of text.
        encoded = (
            b"%00" if request.content_type == "application/x-www-form-urlencoded" else b"\\u0000"
        )
        if b"\x00" in body or encoded in body:
            return "body"
    return None


class NulByteGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        where = _has_nul(request)
        if where is None:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse(error_body("invalid", MESSAGE, {where: [MESSAGE]}), status=400)
        return HttpResponseBadRequest(MESSAGE, content_type="text/plain; charset=utf-8")
