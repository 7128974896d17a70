"""Video rooms behind one small interface, chosen per session (series) and defaulted in settings.

    provider = provider_for(session)
    entry = provider.room_entry(session, user=request.user, moderator=False)

`jitsi` (the default) gives each session its own unguessable room on JITSI_BASE_URL and, when
JITSI_APP_ID and JITSI_APP_SECRET are set, a signed JWT so only Harbor's users get in.
`external` sends everyone to the link set on the series (a clinic's own Zoom or Teams room).
Both are links the page opens in a new window. `livekit` rooms live on LIVEKIT_URL: the page
itself connects with livekit-client (static/js/livekit_room.js) and an access token signed
with LIVEKIT_API_KEY / LIVEKIT_API_SECRET, valid for that room only.
A provider that sends participant webhooks turns them into attendance events through
`webhook_events`: the Jitsi one accepts JaaS-style PARTICIPANT_JOINED / PARTICIPANT_LEFT, the
LiveKit one LiveKit's signed participant_joined / participant_left.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol
from urllib.parse import quote

import jwt
from django.conf import settings
from django.utils import timezone
from livekit.api import AccessToken, TokenVerifier, VideoGrants, WebhookReceiver
from livekit.protocol.webhook import WebhookEvent

from sessions_app.models import EventKind, Session, VideoProviderName

ROOM_TOKEN_LIFETIME = timedelta(hours=4)
# Harbor puts this in the JWT's context.user.id, and providers send it back in webhooks.
PARTICIPANT_PREFIX = "harbor-user-"


class WebhookRejected(Exception):
    """The webhook is not from the provider (bad signature) or not readable."""


class WebhookMalformed(WebhookRejected):
    """The webhook is signed by the provider but its body is not an event it could have sent
    (a hook may answer 400 rather than 403; callers that only catch WebhookRejected still
    refuse it)."""


@dataclass(frozen=True)
class RoomEntry:
    """How a page takes someone into the room. `link`: open `url` in a new window. `livekit`:
    the page connects to the LiveKit server at `url` (ws/wss) with `token`; an empty `url`
    means LiveKit is not set up on this server."""

    kind: str  # "link" | "livekit"
    url: str
    token: str = ""


@dataclass(frozen=True)
class ProviderEvent:
    room_name: str
    user_id: int
    kind: str  # EventKind.JOIN or EventKind.LEAVE
    at: datetime


class VideoProvider(Protocol):
    @property
    def name(self) -> str: ...

    def room_entry(self, session: Session, *, user, moderator: bool) -> RoomEntry: ...

    def webhook_events(self, headers: dict[str, str], body: bytes) -> list[ProviderEvent]: ...


def participant_identity(user) -> str:
    """The identity Harbor gives `user` in every room; providers send it back in webhooks."""
    return f"{PARTICIPANT_PREFIX}{user.pk}"


def participant_user_id(identity: str) -> int | None:
    """The Harbor user an identity names, or None for anyone else (a guest, a recorder)."""
    number = identity.removeprefix(PARTICIPANT_PREFIX)
    if number == identity or not number.isdigit() or not number.isascii():
        return None
    return int(number)


class JitsiProvider:
    name = VideoProviderName.JITSI

    def room_entry(self, session: Session, *, user, moderator: bool) -> RoomEntry:
        return RoomEntry(kind="link", url=self.room_url(session, user=user, moderator=moderator))

    def room_url(self, session: Session, *, user, moderator: bool) -> str:
        url = f"{settings.JITSI_BASE_URL.rstrip('/')}/{quote(session.room_name)}"
        secret = settings.JITSI_APP_SECRET
        if settings.JITSI_APP_ID and secret:
            token = self.room_token(session, user=user, moderator=moderator, secret=secret)
            url += f"?jwt={token}"
        return url

    def room_token(self, session: Session, *, user, moderator: bool, secret: str) -> str:
        now = timezone.now()
        claims = {
            "aud": "jitsi",
            "iss": settings.JITSI_APP_ID,
            "sub": settings.JITSI_BASE_URL.split("://", 1)[-1].split("/", 1)[0],
            "room": session.room_name,
            "nbf": int(min(now, session.starts_at - timedelta(minutes=30)).timestamp()) - 60,
            "exp": int(max(now, session.ends_at).timestamp() + ROOM_TOKEN_LIFETIME.total_seconds()),
            "context": {
                "user": {
                    "id": participant_identity(user),
                    "name": user.display_name,
                    "moderator": moderator,
                }
            },
        }
        return jwt.encode(claims, secret, algorithm="HS256")

    def webhook_events(self, headers: dict[str, str], body: bytes) -> list[ProviderEvent]:
        secret = settings.JITSI_WEBHOOK_SECRET
        if not secret:
            raise WebhookRejected("Jitsi webhooks are not configured (JITSI_WEBHOOK_SECRET).")
        given = headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), secret.encode()):
            raise WebhookRejected("The webhook's credentials are wrong.")
        try:
            payload = json.loads(body)
            kind = {"PARTICIPANT_JOINED": EventKind.JOIN, "PARTICIPANT_LEFT": EventKind.LEAVE}.get(
                payload["eventType"]
            )
            if kind is None:
                return []  # other event types are not about attendance
            room = str(payload["fqn"]).rsplit("/", 1)[-1]
            participant = str(payload["data"]["id"])
            at = datetime.fromtimestamp(int(payload["timestamp"]) / 1000, tz=UTC)
        except (ValueError, KeyError, TypeError) as exc:
            raise WebhookRejected(f"Unreadable webhook: {exc!r}") from None
        user_id = participant_user_id(participant)
        if user_id is None:
            return []  # a guest Harbor did not sign in
        return [ProviderEvent(room_name=room, user_id=user_id, kind=kind, at=at)]


class ExternalLinkProvider:
    name = VideoProviderName.EXTERNAL

    def room_entry(self, session: Session, *, user, moderator: bool) -> RoomEntry:
        return RoomEntry(kind="link", url=self.room_url(session, user=user, moderator=moderator))

    def room_url(self, session: Session, *, user, moderator: bool) -> str:
        url = session.external_url or (
            session.series.external_url if session.series is not None else ""
        )
        return url

    def webhook_events(self, headers: dict[str, str], body: bytes) -> list[ProviderEvent]:
        raise WebhookRejected("The external-link provider sends no webhooks.")


def livekit_configured() -> bool:
    return bool(settings.LIVEKIT_URL and settings.LIVEKIT_API_KEY and settings.LIVEKIT_API_SECRET)


def livekit_webhook_event(headers: dict[str, str], body: bytes) -> WebhookEvent:
    """A webhook LiveKit signed, read by the SDK's WebhookReceiver: the Authorization header is
    a JWT from our API key and secret whose `sha256` claim is the body's digest. Anything else
    (no or a wrong signature, another key, an expired token, a changed body) is rejected."""
    if not (settings.LIVEKIT_API_KEY and settings.LIVEKIT_API_SECRET):
        raise WebhookRejected("LiveKit webhooks are not configured (LIVEKIT_API_KEY).")
    token = headers.get("authorization", "").strip()
    token = token.removeprefix("Bearer ").strip()  # LiveKit sends the bare JWT
    if not token:
        raise WebhookRejected("The webhook is not signed.")
    verifier = TokenVerifier(settings.LIVEKIT_API_KEY, settings.LIVEKIT_API_SECRET)
    try:
        text = body.decode()
    except UnicodeDecodeError:
        if _livekit_signed(verifier, token, body):
            raise WebhookMalformed("The webhook's body is not UTF-8.") from None
        raise WebhookRejected("The webhook's signature is wrong.") from None
    try:
        event = WebhookReceiver(verifier).receive(text, token)
    except Exception:  # the SDK raises jwt's errors, ValueError and bare Exception alike
        if _livekit_signed(verifier, token, body):
            raise WebhookMalformed("The webhook's body is not a LiveKit event.") from None
        raise WebhookRejected("The webhook's signature is wrong.") from None
    if not event.event:  # `{}` or `[]` parse as an empty event: LiveKit always names one
        raise WebhookMalformed("The webhook names no event.")
    return event


def _livekit_signed(verifier: TokenVerifier, token: str, body: bytes) -> bool:
    """Is the token ours and its `sha256` claim this body's digest (as WebhookReceiver checks)?
    Asked only after the receiver refused, to tell a bad signature from a bad body."""
    try:
        claims = verifier.verify(token)
        signed = base64.b64decode(claims.sha256 or "", validate=True)
    except Exception:  # noqa: BLE001 - anything wrong with the token is a bad signature
        return False
    return bool(signed) and hmac.compare_digest(signed, hashlib.sha256(body).digest())


def livekit_event_time(event: WebhookEvent) -> datetime:
    """When LiveKit says the event happened (whole seconds), else now."""
    if event.created_at > 0:
        return datetime.fromtimestamp(event.created_at, tz=UTC)
    return timezone.now()


# LiveKit's participant events that change who is in the room. "aborted" is a participant whose
# connection failed: gone, like one who left.
LIVEKIT_PARTICIPANT_EVENTS = {
    "participant_joined": EventKind.JOIN,
    "participant_left": EventKind.LEAVE,
    "participant_connection_aborted": EventKind.LEAVE,
}


class LiveKitProvider:
    name = VideoProviderName.LIVEKIT

    def room_entry(self, session: Session, *, user, moderator: bool) -> RoomEntry:
        if not livekit_configured():
            return RoomEntry(kind="livekit", url="")
        return RoomEntry(
            kind="livekit",
            url=settings.LIVEKIT_URL,
            token=self.room_token(session, user=user, moderator=moderator),
        )

    def room_token(self, session: Session, *, user, moderator: bool) -> str:
        """A token for this session's room only, as `harbor-user-<id>`; facilitators may
        administer the room. It lasts, like Jitsi's, until ROOM_TOKEN_LIFETIME after the end."""
        now = timezone.now()
        expires = max(now, session.ends_at) + ROOM_TOKEN_LIFETIME
        grants = VideoGrants(
            room_join=True,
            room=session.room_name,
            room_admin=True if moderator else None,
            can_publish=True,
            can_subscribe=True,
            can_publish_data=True,
        )
        return (
            AccessToken(settings.LIVEKIT_API_KEY, settings.LIVEKIT_API_SECRET)
            .with_identity(participant_identity(user))
            .with_name(user.display_name)
            .with_grants(grants)
            .with_ttl(expires - now)
            .to_jwt()
        )

    def webhook_events(self, headers: dict[str, str], body: bytes) -> list[ProviderEvent]:
        event = livekit_webhook_event(headers, body)
        kind = LIVEKIT_PARTICIPANT_EVENTS.get(event.event)
        if kind is None:
            return []  # rooms, tracks and egress are not about attendance
        user_id = participant_user_id(event.participant.identity)
        if user_id is None or not event.room.name:
            return []  # the recorder, or someone Harbor did not sign in
        return [
            ProviderEvent(
                room_name=event.room.name, user_id=user_id, kind=kind, at=livekit_event_time(event)
            )
        ]


PROVIDERS: dict[str, VideoProvider] = {
    VideoProviderName.JITSI: JitsiProvider(),
    VideoProviderName.EXTERNAL: ExternalLinkProvider(),
    VideoProviderName.LIVEKIT: LiveKitProvider(),
}


def provider_named(name: str) -> VideoProvider:
    return PROVIDERS[name]


def provider_for(session: Session) -> VideoProvider:
    return PROVIDERS.get(session.video_provider) or PROVIDERS[settings.SESSIONS_VIDEO_PROVIDER]
