"""The client's session page socket at /ws/sessions/<id>/presence/.

The page connects when it opens (chat replies arrive here), sends {"type": "join"} when the
client opens the video room, {"type": "heartbeat"} every SESSIONS_HEARTBEAT_SECONDS while the
room is open, and {"type": "leave"} when they leave. A socket that closes while the client is
in the room records a disconnect; a page that goes silent is caught by the presence sweep.

A chat line, {"type": "chat", "id", "text"}, carries the page's own id for it and is answered
{"type": "chat_stored", "id", "message_id"} even when that id was stored before (or
{"type": "error", "id", "message"}), so the page can resend unanswered lines after a reconnect
and a repeat is stored once.
"""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from iop.accounts.models import ClientProfile
from iop.domain import DomainError
from iop.realtime.session_guard import SessionGuard
from sessions_app.live import client_page_group
from sessions_app.models import AttendanceEventSource, EventKind, Session
from sessions_app.selectors import session_get_for
from sessions_app.services import attendance_event_record, chat_send, presence_heartbeat

REFUSED = 4403


@database_sync_to_async
def _admit(scope, session_id: int) -> tuple[Session, ClientProfile] | None:
    user = scope.get("user")
    if user is None or not user.is_authenticated or not user.is_active or not user.is_client:
        return None
    try:
        session = session_get_for(user, session_id)
        client = ClientProfile.objects.select_related("user").get(user=user)
    except (Session.DoesNotExist, ClientProfile.DoesNotExist):
        return None
    return session, client


@database_sync_to_async
def _record(session: Session, client: ClientProfile, kind: str, detail: str = "") -> str | None:
    try:
        event = attendance_event_record(
            actor=client.user,
            session=session,
            client=client,
            kind=kind,
            source=AttendanceEventSource.PRESENCE,
            detail=detail,
        )
    except DomainError as error:
        return error.message
    return None if event is None else ""


@database_sync_to_async
def _heartbeat(session: Session, client: ClientProfile) -> bool:
    return presence_heartbeat(session_id=session.pk, client_id=client.pk)


@database_sync_to_async
def _chat(session: Session, client: ClientProfile, text: str, message_id: str) -> int | str:
    """The stored message's id (new or stored before under the page's id), or the problem."""
    try:
        message, _created = chat_send(
            actor=client.user,
            session=session,
            client=client,
            text=text,
            client_message_id=message_id,
        )
    except (DomainError, Exception) as error:  # noqa: BLE001 - tell the page, keep the socket
        return getattr(error, "message", None) or "; ".join(
            getattr(error, "messages", [str(error)])
        )
    return message.pk


class PresenceConsumer(SessionGuard, AsyncJsonWebsocketConsumer):
    async def connect(self):
        session_id = int(self.scope["url_route"]["kwargs"]["session_id"])
        admitted = await _admit(self.scope, session_id)
        if admitted is None:
            await self.close(code=REFUSED)
            return
        if not await self.guard_alive():
            return
        self.session, self.client = admitted
        self.in_room = False
        self.group_name = client_page_group(self.session.pk, self.client.pk)
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()
        self.guard_start()
        await self.send_json(
            {"type": "connected", "heartbeat_seconds": settings.SESSIONS_HEARTBEAT_SECONDS}
        )

    async def disconnect(self, code):
        self.guard_stop()
        if not hasattr(self, "session"):
            return
        await self.channel_layer.group_discard(self.group_name, self.channel_name)
        if self.in_room:
            self.in_room = False
            await _record(
                self.session, self.client, EventKind.DISCONNECT, "The session page closed."
            )

    async def receive_json(self, content, **kwargs):
        if not await self.guard_alive():
            return
        kind = content.get("type")
        if kind == "join":
            problem = await _record(self.session, self.client, EventKind.JOIN)
            if problem:
                await self.send_json({"type": "error", "message": problem})
                return
            self.in_room = True
            await self.send_json({"type": "joined"})
        elif kind == "heartbeat" and self.in_room:
            if not await _heartbeat(self.session, self.client):
                # Harbor had given up on this page (a long stall): the room is open, so rejoin.
                await _record(self.session, self.client, EventKind.JOIN)
            await self.send_json({"type": "ack"})
        elif kind == "leave":
            if self.in_room:
                self.in_room = False
                await _record(self.session, self.client, EventKind.LEAVE)
            await self.send_json({"type": "left"})
        elif kind == "chat":
            message_id = str(content.get("id") or "")
            stored = await _chat(
                self.session, self.client, str(content.get("text", ""))[:2000], message_id
            )
            if isinstance(stored, str):
                await self.send_json({"type": "error", "id": message_id, "message": stored})
            else:  # the delivery ack, sent for a repeat too: the page stops resending that id
                await self.send_json(
                    {"type": "chat_stored", "id": message_id, "message_id": stored}
                )

    async def page_event(self, message):
        await self.send_json(
            {"type": message["event"], "payload": message["payload"], "at": message["at"]}
        )
