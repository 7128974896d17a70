"""Live chat's two sockets.

/ws/support/chat/   a client's chat page: {"type": "say", "id", "text", "session"?, "page"?}
                    (starts a chat or says more in the open one), "typing", "seen" (line ids),
                    "end". It is sent its chat's "state" on connect and on every change, each
                    "line", "typing" from the agent, "delivered" marks and a "stored" ack for
                    each message it sent (also for a message sent twice, which is stored once).
/ws/support/desk/   a support agent's desk page (signed in with two-step verification): the
                    queues of their tiers ("queues" on connect, "queue" on change); "pick",
                    "say", "typing", "seen", "handoff", "end" and "open" (a chat's full state)
                    name their chat with "chat".

Both close with 4403 for anyone else and obey the sign-in session (SessionGuard). Bad input
gets {"type": "error", "field", "message"} and changes nothing; the socket stays open.
"""

from __future__ import annotations

import time
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.core.exceptions import ValidationError

from iop.domain import DomainError
from iop.realtime.consumers import two_step_verified
from iop.realtime.session_guard import SessionGuard
from sessions_app import selectors as sessions
from support import live, selectors, services
from support.models import Chat

REFUSED = 4403


TYPING_EVERY = 1.0  # seconds between two typing notices a socket relays


def _problem(error: Exception) -> dict[str, Any]:
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        field, messages = next(iter(error.message_dict.items()))
        return {"type": "error", "field": field, "message": messages[0]}
    if isinstance(error, DomainError):
        return {"type": "error", "field": None, "message": error.message}
    if isinstance(error, Chat.DoesNotExist):
        return {"type": "error", "field": "chat", "message": "No such chat."}
    raise error


def _attempt(work):
    """Run a service call; its refusal becomes the error message the page shows."""
    try:
        return work(), None
    except (ValidationError, DomainError, Chat.DoesNotExist) as error:
        return None, _problem(error)


# -- the client's page ------------------------------------------------------------------------


@database_sync_to_async
def _client_of(scope) -> Any:
    user = scope.get("user")
    if user is None or not user.is_authenticated or not user.is_active or not user.is_client:
        return None
    return user


@database_sync_to_async
def _client_state(user) -> dict[str, Any]:
    return {"type": "state", "chat": selectors.chat_view(selectors.chat_latest_of(user))}


@database_sync_to_async
def _client_say(user, content: dict[str, Any], chat_id: int | None):
    def work():
        if chat_id is not None:
            # The page's chat is known: say it there (the service checks it is still open).
            chat = Chat.objects.select_related("ticket").filter(pk=chat_id, requester=user).first()
            if chat is not None and chat.is_open:
                line, _ = services.chat_say(
                    actor=user,
                    chat=chat,
                    text=content.get("text"),
                    client_message_id=content.get("id"),
                )
                return {
                    "type": "stored",
                    "id": line.client_message_id,
                    "line": line.pk,
                    "chat": chat.pk,
                }
        session = None
        wanted = content.get("session")
        if wanted not in (None, ""):
            if not str(wanted).isdigit():
                raise ValidationError({"session": ["Name a session by its number."]})
            session = sessions.sessions_visible_to(user).filter(pk=int(wanted)).first()
            if session is None:
                raise ValidationError({"session": ["That session is not one of yours."]})
        chat, line, _ = services.chat_start(
            actor=user,
            text=content.get("text"),
            client_message_id=content.get("id"),
            session=session,
            from_page=content.get("page", ""),
        )
        return {"type": "stored", "id": line.client_message_id, "line": line.pk, "chat": chat.pk}

    return _attempt(work)


@database_sync_to_async
def _open_chat_of(user) -> Chat | None:
    return selectors.chat_open_of(user)


@database_sync_to_async
def _seen(user, chat_id, line_ids):
    return _attempt(
        lambda: services.chat_seen(
            actor=user, chat=selectors.chat_get_for(user, chat_id), line_ids=line_ids
        )
    )


@database_sync_to_async
def _end(user, chat_id):
    return _attempt(
        lambda: services.chat_end(actor=user, chat=selectors.chat_get_for(user, chat_id))
    )


class ChatClientConsumer(SessionGuard, AsyncJsonWebsocketConsumer):
    async def connect(self):
        self.user = await _client_of(self.scope)
        if self.user is None:
            await self.close(code=REFUSED)
            return
        if not await self.guard_alive():
            return
        self.group = live.requester_group(self.user.pk)
        self.typed_at = 0.0
        self.chat_id: int | None = None
        self.waiting_tier: int | None = None
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        self.guard_start()
        state = await _client_state(self.user)
        await self._follow(state["chat"])
        await self.send_json(state)

    async def disconnect(self, code):
        self.guard_stop()
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await self._follow(None)

    async def _follow(self, chat: dict[str, Any] | None) -> None:
        """Listen for places in line while this page's chat waits in a queue, and only then."""
        self.chat_id = chat["id"] if chat else None
        tier = chat["tier"] if chat and chat["status"] == "waiting" else None
        if tier == self.waiting_tier:
            return
        if self.waiting_tier is not None:
            await self.channel_layer.group_discard(
                live.waiting_group(self.waiting_tier), self.channel_name
            )
        if tier is not None:
            await self.channel_layer.group_add(live.waiting_group(tier), self.channel_name)
        self.waiting_tier = tier

    async def receive_json(self, content, **kwargs):
        if not await self.guard_alive():
            return
        if not isinstance(content, dict):
            await self.send_json({"type": "error", "field": None, "message": "Send an object."})
            return
        kind = content.get("type")
        if kind == "say":
            reply, problem = await _client_say(self.user, content, self.chat_id)
            await self.send_json(problem or reply)
        elif kind == "typing":
            await self._typing()
        elif kind == "seen":
            _, problem = await _seen(self.user, content.get("chat"), content.get("lines"))
            if problem:
                await self.send_json(problem)
        elif kind == "end":
            chat = await _open_chat_of(self.user)
            if chat is not None:
                _, problem = await _end(self.user, chat.pk)
                if problem:
                    await self.send_json(problem)
        elif kind == "state":
            await self.send_json(await _client_state(self.user))

    async def _typing(self):
        now = time.monotonic()
        if now - self.typed_at < TYPING_EVERY:
            return
        self.typed_at = now
        chat = await _open_chat_of(self.user)
        if chat is not None and chat.agent_id is not None:
            await self.channel_layer.group_send(
                live.agent_group(chat.agent_id),
                {"type": live.CHAT_EVENT, "data": {"type": "typing", "chat": chat.pk}},
            )

    async def chat_event(self, message):
        data = message["data"]
        if data["type"] == "state":
            await self._follow(data["chat"])
        elif data["type"] == "places":
            # The tier's line, in chat ids: this page is told its own place, not the others'.
            if self.chat_id not in data["order"]:
                return
            position = data["order"].index(self.chat_id) + 1
            data = {
                "type": "wait",
                "chat": self.chat_id,
                "position": position,
                "wait_text": selectors.wait_text(position, data["median"]),
            }
        await self.send_json(data)


# -- the desk ---------------------------------------------------------------------------------


@database_sync_to_async
def _agent_of(scope) -> Any:
    user = scope.get("user")
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if not selectors.chat_tiers_of(user) or not two_step_verified(scope, user):
        return None  # staff pages need two-step verification; so does their socket
    return user


@database_sync_to_async
def _desk_snapshot(user) -> dict[str, Any]:
    return selectors.desk_snapshot(user)


@database_sync_to_async
def _desk_act(user, content: dict[str, Any]):
    kind = content.get("type")

    def work():
        chat = selectors.chat_get_for(user, content.get("chat"))
        if kind == "pick":
            services.chat_pick(actor=user, chat=chat)
            return None
        if kind == "say":
            line, _ = services.chat_say(
                actor=user, chat=chat, text=content.get("text"), client_message_id=content.get("id")
            )
            return {
                "type": "stored",
                "id": line.client_message_id,
                "line": line.pk,
                "chat": chat.pk,
            }
        if kind == "seen":
            services.chat_seen(actor=user, chat=chat, line_ids=content.get("lines"))
            return None
        if kind == "handoff":
            services.chat_handoff(actor=user, chat=chat, reason=content.get("reason", ""))
            return None
        if kind == "end":
            services.chat_end(actor=user, chat=chat)
            return None
        if kind == "open":
            return {"type": "state", "chat": selectors.chat_transcript_for(user, chat)}
        if kind == "typing":
            return {"_typing": chat} if chat.agent_id == user.pk and chat.is_open else None
        raise ValidationError({"type": ["Unknown message type."]})

    return _attempt(work)


class ChatDeskConsumer(SessionGuard, AsyncJsonWebsocketConsumer):
    async def connect(self):
        self.user = await _agent_of(self.scope)
        if self.user is None:
            await self.close(code=REFUSED)
            return
        if not await self.guard_alive():
            return
        snapshot = await _desk_snapshot(self.user)
        self.groups_joined = [live.agent_group(self.user.pk)] + [
            live.desk_group(tier) for tier in snapshot["tiers"]
        ]
        for name in self.groups_joined:
            await self.channel_layer.group_add(name, self.channel_name)
        self.typed_at = 0.0
        await self.accept()
        self.guard_start()
        await self.send_json(snapshot)

    async def disconnect(self, code):
        self.guard_stop()
        for name in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(name, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if not await self.guard_alive():
            return
        if not isinstance(content, dict):
            await self.send_json({"type": "error", "field": None, "message": "Send an object."})
            return
        if content.get("type") == "typing":
            now = time.monotonic()
            if now - self.typed_at < TYPING_EVERY:
                return
            self.typed_at = now
        reply, problem = await _desk_act(self.user, content)
        if problem:
            await self.send_json(problem)
        elif reply and "_typing" in reply:
            chat = reply["_typing"]
            await self.channel_layer.group_send(
                live.requester_group(chat.requester_id),
                {"type": live.CHAT_EVENT, "data": {"type": "typing", "chat": chat.pk}},
            )
        elif reply:
            await self.send_json(reply)

    async def chat_event(self, message):
        await self.send_json(message["data"])
