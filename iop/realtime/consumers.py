"""The staff live feed websocket at /ws/staff/."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from iop.realtime import groups
from iop.realtime.session_guard import SessionGuard


def two_step_verified(scope, user) -> bool:
    """Whether the socket's sign-in session passed the staff two-step check for this user (as
    staff pages require; a staff socket requires it too). Call from a sync context."""
    session = scope.get("session")
    device_id = session.get(DEVICE_ID_SESSION_KEY) if session is not None else None
    device = Device.from_persistent_id(device_id) if device_id else None
    return device is not None and device.user_id == user.pk


@database_sync_to_async
def _staff_groups(scope) -> list[str] | None:
    """The groups this connection joins, or None when it must be refused.

    Everyone joins their own group: events about a client are sent to the user groups of the
    people who may see that client (`iop.realtime.audience`). Clinical staff also join their
    program's group, which carries notices naming no client; support agents join nothing else.
    """
    user = scope.get("user")
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if not user.is_staff_member or not two_step_verified(scope, user):
        return None
    joined = [groups.user_group(user.pk)]
    profile = getattr(user, "staff_profile", None)
    if profile is not None and user.is_clinical:
        joined.append(groups.program_group(profile.program_id))
    return joined


class StaffFeedConsumer(SessionGuard, AsyncJsonWebsocketConsumer):
    async def connect(self):
        joined = await _staff_groups(self.scope)
        if joined is None:
            await self.close(code=4403)
            return
        if not await self.guard_alive():
            return
        self.joined = joined
        for name in joined:
            await self.channel_layer.group_add(name, self.channel_name)
        await self.accept()
        self.guard_start()
        await self.send_json({"event": "feed.connected", "payload": {"groups": len(joined)}})

    async def disconnect(self, code):
        self.guard_stop()
        for name in getattr(self, "joined", []):
            await self.channel_layer.group_discard(name, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if not await self.guard_alive():
            return
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
