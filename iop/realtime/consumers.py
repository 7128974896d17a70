"""The staff live feed websocket at /ws/staff/."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from iop.accounts import on_call
from iop.realtime import groups


@database_sync_to_async
def _staff_groups(scope) -> list[str] | None:
    """The groups this connection joins, or None when it must be refused."""
    user = scope.get("user")
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if not user.is_staff_member:
        return None
    session = scope.get("session")
    device_id = session.get(DEVICE_ID_SESSION_KEY) if session is not None else None
    device = Device.from_persistent_id(device_id) if device_id else None
    if device is None or device.user_id != user.pk:
        return None
    joined = [groups.user_group(user.pk)]
    profile = getattr(user, "staff_profile", None)
    if profile is not None:
        joined.append(groups.program_group(profile.program_id))
        if on_call.is_on_call_now(user):
            joined.append(groups.ON_CALL)
    return joined


class StaffFeedConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        joined = await _staff_groups(self.scope)
        if joined is None:
            await self.close(code=4403)
            return
        self.joined = joined
        for name in joined:
            await self.channel_layer.group_add(name, self.channel_name)
        await self.accept()
        await self.send_json({"event": "feed.connected", "payload": {"groups": len(joined)}})

    async def disconnect(self, code):
        for name in getattr(self, "joined", []):
            await self.channel_layer.group_discard(name, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "ping":
            await self.send_json({"event": "pong", "payload": {}})

    async def feed_event(self, message):
        await self.send_json(
            {
                "id": message["id"],
                "event": message["event"],
                "at": message["at"],
                "payload": message["payload"],
            }
        )
