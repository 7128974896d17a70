"""Session lifetime, the staff two-factor gate, and no-store caching of private pages."""

from __future__ import annotations

import time
import zoneinfo

from django.conf import settings
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from iop.accounts.session_limits import LAST_SEEN as _LAST_SEEN
from iop.accounts.session_limits import STARTED as _STARTED
from iop.accounts.session_limits import expired_by

# Where a staff member without a verified second factor may still go.
_TWO_FACTOR_EXEMPT = ("/accounts/", "/static/", "/healthz", "/hooks/")
_STAFF_AREAS = ("/staff/", "/admin/", "/api/")


class SessionLifetimeMiddleware:
    """Ends a session after inactivity (per role) and after an absolute lifetime."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            now = int(time.time())
            session = request.session
            session.setdefault(_STARTED, now)
            expired = expired_by(session, user, now=now)
            if expired is not None:
                logout(request)
                request.session["harbor_expired"] = expired
                return self._expired(request)
            session[_LAST_SEEN] = now
        return self.get_response(request)

    def _expired(self, request):
        if request.path.startswith("/api/"):
            return JsonResponse(
                {
                    "error": {
                        "code": "session_expired",
                        "message": "Your session ended. Sign in again.",
                        "fields": {},
                    }
                },
                status=401,
            )
        login = reverse(settings.LOGIN_URL)
        return redirect(f"{login}?{urlencode({'next': request.get_full_path()})}")


def needs_second_factor(request) -> bool:
    user = request.user
    return bool(
        user.is_authenticated and getattr(user, "is_staff_member", False) and not user.is_verified()
    )


class StaffTwoFactorMiddleware:
    """Staff reach nothing under /staff/, /admin/ or /api/ without a verified device."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path
        gated = path.startswith(_STAFF_AREAS) and not path.startswith(_TWO_FACTOR_EXEMPT)
        if gated and needs_second_factor(request):
            if path.startswith("/api/"):
                return JsonResponse(
                    {
                        "error": {
                            "code": "two_factor_required",
                            "message": "Staff must verify a second factor before using the API.",
                            "fields": {},
                        }
                    },
                    status=403,
                )
            return redirect(
                f"{reverse('accounts:two_factor')}?{urlencode({'next': request.get_full_path()})}"
            )
        return self.get_response(request)


class NoStoreMiddleware:
    """Pages for a signed-in person carry health information: browsers and proxies keep none."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or request.path.startswith("/api/"):
            response["Cache-Control"] = "no-store, private"
            response["Pragma"] = "no-cache"
        return response


class UserTimeZoneMiddleware:
    """Times are stored in UTC and shown in the signed-in person's own time zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.time_zone:
            timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
        else:
            timezone.deactivate()
        return self.get_response(request)
