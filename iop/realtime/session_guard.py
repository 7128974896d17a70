"""Sockets obey the session that opened them: they close when it ends.

A consumer mixing in `SessionGuard` checks its session on connect, on every message the page
sends (`guard_check()`), and on a timer that wakes at the session's next limit (or every
SOCKET_SESSION_CHECK_SECONDS, to notice a sign-out elsewhere or a deactivation). It closes with

* 4401 when the session is gone (signed out, here or elsewhere) or the user was deactivated;
* 4408 when the session passed its idle or absolute limit.

Pages show "signed out" on these codes and do not reconnect.
"""

from __future__ import annotations

import asyncio
import contextlib

from channels.db import database_sync_to_async
from django.conf import settings

from iop.accounts.session_limits import SessionState, session_state

SIGNED_OUT = 4401
EXPIRED = 4408
CLOSE_CODES = {SessionState.SIGNED_OUT: SIGNED_OUT, SessionState.EXPIRED: EXPIRED}


@database_sync_to_async
def _state(scope) -> tuple[SessionState, int]:
    user = scope.get("user")
    session = scope.get("session")
    key = getattr(session, "session_key", None)
    if user is None or not user.is_authenticated:
        return SessionState.SIGNED_OUT, 0
    return session_state(key, user.pk)


class SessionGuard:
    """Mixed into an AsyncWebsocketConsumer; call guard_start() after accept()."""

    _guard_task: asyncio.Task | None = None
    _guard_closed = False

    async def guard_alive(self) -> bool:
        """Check the session now; close the socket (once) and return False if it has ended."""
        if self._guard_closed:
            return False
        state, left = await _state(self.scope)  # type: ignore[attr-defined]
        if state is SessionState.ALIVE:
            self._guard_left = left
            return True
        self._guard_closed = True
        await self.close(code=CLOSE_CODES[state])  # type: ignore[attr-defined]
        return False

    def guard_start(self) -> None:
        self._guard_task = asyncio.ensure_future(self._guard_loop())

    def guard_stop(self) -> None:
        if self._guard_task is not None:
            self._guard_task.cancel()
            self._guard_task = None

    async def _guard_loop(self) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            while True:
                interval = settings.SOCKET_SESSION_CHECK_SECONDS
                left = getattr(self, "_guard_left", interval)
                await asyncio.sleep(max(0.05, min(interval, left + 1)))
                if not await self.guard_alive():
                    return
