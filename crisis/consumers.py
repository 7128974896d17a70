"""The client's help page socket at /ws/crisis/help/<event id>/.

Only the client whose request for help it is may connect (anyone else: 4403). On connect it is
sent {"type": "state", "state": ...} (crisis/help_state.py: `HelpState.to_json()`), and again
each time the request changes (seen by a clinician, the client's "by mistake", closed). The
page polls `crisis:help_state` while the socket is down. It obeys the sign-in session
(SessionGuard), and sends nothing back but {"type": "pong"} to a ping.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from crisis import selectors
from crisis.models import CrisisEvent
from crisis.services.live import help_page_group
from iop.realtime.session_guard import SessionGuard

REFUSED = 4403


@database_sync_to_async
def _state_for(scope, event_id: int) -> dict[str, Any] | None:
    """The client's own request's state (audited as their read), or None to refuse."""
    user = scope.get("user")
    if user is None or not user.is_authenticated:
        return None
    try:
        event = selectors.crisis_event_own_get(user, event_id)
    except CrisisEvent.DoesNotExist:
        return None
    return selectors.help_state_for(user, event).to_json()


class HelpStateConsumer(SessionGuard, AsyncJsonWebsocketConsumer):
    async def connect(self):
        event_id = int(self.scope["url_route"]["kwargs"]["event_id"])
        state = await _state_for(self.scope, event_id)
        if state is None:
            await self.close(code=REFUSED)
            return
        if not await self.guard_alive():
            return
        self.group_name = help_page_group(event_id)
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()
        self.guard_start()
        await self.send_json({"type": "state", "state": state})

    async def disconnect(self, code):
        self.guard_stop()
        if hasattr(self, "group_name"):
            await self.channel_layer.group_discard(self.group_name, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if not await self.guard_alive():
            return
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def help_state(self, message):
        await self.send_json({"type": "state", "state": message["state"]})
