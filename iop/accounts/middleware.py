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

# The only places someone who owes a second factor may go before verifying it: signing in and
# out, the two-factor pages themselves (enrolment, verification), and what is not a page for a
# person (static files, health checks, provider webhooks). Everything else, the account pages
# included, waits for the second factor: a password alone must not change the phone number that
# crisis texts go to.
_TWO_FACTOR_EXEMPT = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/two-factor/setup/",
    "/accounts/two-factor/verify/",
    "/static/",
    "/healthz",
    "/hooks/",
)
_TWO_FACTOR_START = "/accounts/two-factor/"
# Set at sign-in for an account (a client's) that turned two-step sign-in on.
SECOND_FACTOR_SESSION_KEY = "harbor_second_factor"
# How often a request renews the session's last-seen time. Each renewal saves the session (an
# UPDATE); renewing at most once a minute spares the other requests that write. The idle limit
# then counts from up to a minute before the latest request: a session may end that much
# sooner than the limit, never later.
LAST_SEEN_EVERY = 60


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
            if now - session.get(_LAST_SEEN, 0) >= LAST_SEEN_EVERY:
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


def owes_second_factor(user) -> bool:
    """Staff by role, or anyone Django treats as staff (`is_staff`, `is_superuser`: the admin)."""
    return bool(
        getattr(user, "is_staff_member", False)
        or getattr(user, "is_staff", False)
        or getattr(user, "is_superuser", False)
    )


def needs_second_factor(request) -> bool:
    user = request.user
    # OTPMiddleware gives request.user `is_verified`; a user just signed in by password has not.
    is_verified = getattr(user, "is_verified", None)
    if not user.is_authenticated or (is_verified is not None and is_verified()):
        return False
    return owes_second_factor(user) or bool(request.session.get(SECOND_FACTOR_SESSION_KEY))


class StaffTwoFactorMiddleware:
    """Staff (and a client who turned two-step sign-in on) reach nothing but sign-in, sign-out
    and the two-factor pages until they verify a device."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path
        gated = path != _TWO_FACTOR_START and not path.startswith(_TWO_FACTOR_EXEMPT)
        if gated and needs_second_factor(request):
            if path.startswith("/api/"):
                return JsonResponse(
                    {
                        "error": {
                            "code": "two_factor_required",
                            "message": "Verify your second factor before using the API.",
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
