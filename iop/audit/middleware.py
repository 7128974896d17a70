"""Gives every request an id and remembers where it came from, for the audit log."""

from __future__ import annotations

import re
import uuid

from iop.audit import context

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def _channel(path: str) -> str:
    if path.startswith("/api/"):
        return "api"
    if path.startswith("/admin/"):
        return "admin"
    if path.startswith("/staff/"):
        return "staff"
    return "portal"


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = context.bind(
            context.RequestContext(
                request_id=request_id,
                ip_address=request.META.get("REMOTE_ADDR") or None,
                channel=_channel(request.path),
            )
        )
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request_id
        return response
