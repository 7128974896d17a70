"""Video rooms behind one small interface, chosen per session (series) and defaulted in settings.

    provider = provider_for(session)
    url = provider.room_url(session, user=request.user, moderator=False)

`jitsi` (the default) gives each session its own unguessable room on JITSI_BASE_URL and, when
JITSI_APP_ID and JITSI_APP_SECRET are set, a signed JWT so only Harbor's users get in.
`external` sends everyone to the link set on the series (a clinic's own Zoom or Teams room).
A provider that sends participant webhooks turns them into attendance events through
`webhook_events`; the Jitsi one accepts JaaS-style PARTICIPANT_JOINED / PARTICIPANT_LEFT.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol
from urllib.parse import quote

import jwt
from django.conf import settings
from django.utils import timezone

from sessions_app.models import EventKind, Session, VideoProviderName

ROOM_TOKEN_LIFETIME = timedelta(hours=4)
# Harbor puts this in the JWT's context.user.id, and providers send it back in webhooks.
PARTICIPANT_PREFIX = "harbor-user-"


class WebhookRejected(Exception):
    """The webhook is not from the provider (bad signature) or not readable."""


@dataclass(frozen=True)
class ProviderEvent:
    room_name: str
    user_id: int
    kind: str  # EventKind.JOIN or EventKind.LEAVE
    at: datetime


class VideoProvider(Protocol):
    @property
    def name(self) -> str: ...

    def room_url(self, session: Session, *, user, moderator: bool) -> str: ...

    def webhook_events(self, headers: dict[str, str], body: bytes) -> list[ProviderEvent]: ...


class JitsiProvider:
    name = VideoProviderName.JITSI

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
                    "id": f"{PARTICIPANT_PREFIX}{user.pk}",
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
        if not participant.startswith(PARTICIPANT_PREFIX):
            return []  # a guest Harbor did not sign in
        user_id = participant.removeprefix(PARTICIPANT_PREFIX)
        if not user_id.isdigit():
            return []
        return [ProviderEvent(room_name=room, user_id=int(user_id), kind=kind, at=at)]


class ExternalLinkProvider:
    name = VideoProviderName.EXTERNAL

    def room_url(self, session: Session, *, user, moderator: bool) -> str:
        url = session.external_url or (
            session.series.external_url if session.series is not None else ""
        )
        return url

    def webhook_events(self, headers: dict[str, str], body: bytes) -> list[ProviderEvent]:
        raise WebhookRejected("The external-link provider sends no webhooks.")


PROVIDERS: dict[str, VideoProvider] = {
    VideoProviderName.JITSI: JitsiProvider(),
    VideoProviderName.EXTERNAL: ExternalLinkProvider(),
}


def provider_named(name: str) -> VideoProvider:
    return PROVIDERS[name]


def provider_for(session: Session) -> VideoProvider:
    return PROVIDERS.get(session.video_provider) or PROVIDERS[settings.SESSIONS_VIDEO_PROVIDER]
