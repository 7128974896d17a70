"""Harbor's own 404, 403, 500 and CSRF-failure pages: JSON under /api/, HTML elsewhere.

The HTML pages carry the help bar (the clinic's 24/7 line, 988, 911) for anyone who is not
staff: a client who lands on an error may be the one who most needs the number. The 500 page
renders without the request's context (no session or database read that could fail again).
A request that waited its pool's whole timeout for a PostgreSQL connection (an overloaded web
process) is not a bug: it answers 503 with Retry-After, so clients and proxies back off.
"""

from __future__ import annotations

import sys

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from psycopg_pool import PoolTimeout

from iop.api.errors import error_body

# Seconds a client is asked to wait after a 503 for lack of a database connection.
BUSY_RETRY_AFTER = 1


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _shows_help_bar(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated and user.is_staff_member)


def _page(request: HttpRequest, template: str, status: int, **context: object) -> HttpResponse:
    body = loader.render_to_string(
        template, {"show_help_bar": _shows_help_bar(request), **context}, request
    )
    return HttpResponse(body, status=status)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(error_body("not_found", "Not found."), status=404)
    return _page(request, "404.html", 404)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        message = "You do not have permission to perform this action."
        return JsonResponse(error_body("permission_denied", message), status=403)
    return _page(request, "403.html", 403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: usually a form left open past sign-out, or cookies blocked."""
    if _is_api(request):
        message = "CSRF check failed: send the X-CSRFToken header with session sign-in."
        return JsonResponse(error_body("csrf_failed", message), status=403)
    return _page(request, "403_csrf.html", 403)


def _waited_for_a_connection(error: BaseException | None) -> bool:
    """Whether `error` (Django's OperationalError wraps it) is the pool's timeout."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, PoolTimeout):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500, called while the unhandled exception is being handled (sys.exc_info)."""
    status = 503 if _waited_for_a_connection(sys.exc_info()[1]) else 500
    response = _server_error(request, status)
    if status == 503:
        response["Retry-After"] = str(BUSY_RETRY_AFTER)
    return response


def _server_error(request: HttpRequest, status: int) -> HttpResponse:
    if _is_api(request):
        if status == 503:
            body = error_body("unavailable", "Harbor is busy. Please try again in a moment.")
        else:
            body = error_body("server_error", "Something went wrong on our side. Please try again.")
        return JsonResponse(body, status=status)
    context = {
        "show_help_bar": True,
        "clinic_name": settings.CLINIC_NAME,
        "clinic_crisis_line": settings.CLINIC_CRISIS_LINE,
        "national_crisis_line": settings.NATIONAL_CRISIS_LINE,
    }
    return HttpResponse(loader.render_to_string("500.html", context), status=status)
