"""Permissions-Policy: no page may use the camera, microphone or location unless it says so.

PermissionsPolicyMiddleware sends every response `camera=(), microphone=(), geolocation=()`
(and the other powerful features off). A view that needs one of them, for this origin only,
says so with `@permissions_allowed("camera", "microphone")`: the session page's tech check,
and the help page that shares the client's location in a crisis.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase

HEADER = "Permissions-Policy"
# Off everywhere unless a view allows it.
FEATURES = (
    "camera",
    "microphone",
    "geolocation",
    "display-capture",
    "payment",
    "usb",
    "serial",
    "bluetooth",
    "hid",
)


def policy(*allowed: str) -> str:
    unknown = set(allowed) - set(FEATURES)
    if unknown:
        raise ValueError(f"unknown Permissions-Policy features: {sorted(unknown)}")
    return ", ".join(f"{f}=(self)" if f in allowed else f"{f}=()" for f in FEATURES)


DEFAULT = policy()


def permissions_allowed(*features: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Let the page the view renders use `features` (from this origin only)."""
    header = policy(*features)

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            response: HttpResponseBase = view(request, *args, **kwargs)
            response[HEADER] = header
            return response

        return wrapped

    return decorate


class PermissionsPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if HEADER not in response:
            response[HEADER] = DEFAULT
        return response
