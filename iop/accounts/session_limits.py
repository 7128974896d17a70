"""Is a signed-in session still alive? The rules SessionLifetimeMiddleware applies to requests,
for connections that outlive a request (websockets), which check them on their own clock.

A socket never extends the session: only requests do (an open tab is not activity).
"""

from __future__ import annotations

import enum
import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.utils import timezone

from iop.accounts.models import User

LAST_SEEN = "harbor_last_seen"
STARTED = "harbor_started"


class SessionState(enum.Enum):
    ALIVE = "alive"
    SIGNED_OUT = "signed_out"  # the session is gone (signed out, flushed) or the user deactivated
    EXPIRED = "expired"  # idle or absolute limit passed


def idle_limit_for(user: User) -> int:
    if user.is_staff_member:
        return settings.SESSION_IDLE_SECONDS_STAFF
    return settings.SESSION_IDLE_SECONDS_CLIENT


def expired_by(data, user: User, *, now: int) -> str | None:
    """ "idle" or "lifetime" when the session has passed a limit at `now`, else None."""
    started = data.get(STARTED, now)
    last_seen = data.get(LAST_SEEN, now)
    if now - last_seen > idle_limit_for(user):
        return "idle"
    if now - started > settings.SESSION_ABSOLUTE_SECONDS:
        return "lifetime"
    return None


def seconds_left(data, user: User, *, now: int) -> int:
    """How long until the session passes its first limit, if nothing renews it."""
    started = data.get(STARTED, now)
    last_seen = data.get(LAST_SEEN, now)
    return min(
        last_seen + idle_limit_for(user) - now, started + settings.SESSION_ABSOLUTE_SECONDS - now
    )


def session_state(session_key: str | None, user_id: int) -> tuple[SessionState, int]:
    """Whether the session `session_key` still signs in `user_id`, and seconds until it lapses.

    Reads the stored row each time: a sign-out elsewhere (which flushes the row), an expiry or a
    deactivation shows at the next check.
    """
    from importlib import import_module

    if not session_key:
        return SessionState.SIGNED_OUT, 0
    store = import_module(settings.SESSION_ENGINE).SessionStore
    row = store.get_model_class().objects.filter(session_key=session_key).first()
    if row is None:
        return SessionState.SIGNED_OUT, 0
    data = store().decode(row.session_data)
    if str(data.get(SESSION_KEY)) != str(user_id):
        return SessionState.SIGNED_OUT, 0
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return SessionState.SIGNED_OUT, 0
    if row.expire_date <= timezone.now():
        return SessionState.EXPIRED, 0
    now = int(time.time())
    if expired_by(data, user, now=now) is not None:
        return SessionState.EXPIRED, 0
    return SessionState.ALIVE, seconds_left(data, user, now=now)
