"""Which recorder a session gets, by its video room: `provider_for(session)`.

* a LiveKit room records through LiveKit Egress (`livekit`), whose participant webhooks Harbor
  trusts to say who is present;
* any other room (Jitsi, an external link) has no recording API Harbor can trust: it refuses,
  with the reason shown to the facilitator, unless RECORDING_PROVIDER_LOCAL is on (development
  and tests), where the local recorder stands in for the missing one.

`provider_named(name)` finds the recorder a recording was made with (its `provider` field).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings

from recordings.providers.base import (
    RecordingProvider,
    RecordingUnavailable,
    RoomEvent,
    RoomParticipant,
)
from recordings.providers.base import SegmentStatus as SegmentStatus
from recordings.providers.livekit import LiveKitRecorder
from recordings.providers.local import LocalRecorder
from sessions_app.selectors import WebhookRejected

LIVEKIT = "livekit"
LOCAL = "local"
REFUSED = "none"
REASONS = {
    "jitsi": "Jitsi rooms have no recording API Harbor can trust to say who is in the room, so "
    "they cannot be recorded. Hold the session in a LiveKit room to record it.",
    "external": "This session uses an outside video link; Harbor cannot see who is in that "
    "room, so it cannot record it.",
}

_local = LocalRecorder()
_livekit = LiveKitRecorder()


class NoRecorder:
    """A room Harbor cannot record: every start is refused with `reason`."""

    name = REFUSED
    content_type = ""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def refusal(self, session: Any) -> str | None:
        return self.reason

    def _refuse(self) -> RecordingUnavailable:
        return RecordingUnavailable(self.reason)

    def segment_start(self, *, session: Any, segment_ref: str) -> str:
        raise self._refuse()

    def segment_stop(self, *, provider_ref: str) -> None:
        raise self._refuse()

    def segment_status(self, *, provider_ref: str) -> SegmentStatus:
        raise self._refuse()

    def segments_active(self, *, room_name: str) -> list[SegmentStatus]:
        return []

    def segment_media(self, *, provider_ref: str) -> Iterator[bytes]:
        raise self._refuse()

    def segment_media_discard(self, *, provider_ref: str) -> None:
        raise self._refuse()

    def webhook_events(self, headers: dict[str, str], body: bytes) -> list[RoomEvent]:
        raise WebhookRejected(self.reason)

    def room_participants(self, *, room_name: str) -> list[RoomParticipant] | None:
        return None


def provider_named(name: str) -> RecordingProvider:
    """The recorder called `name`; KeyError for an unknown one."""
    if name == LOCAL:
        return _local
    if name == LIVEKIT:
        return _livekit
    raise KeyError(name)


def provider_for(session: Any) -> RecordingProvider:
    """The recorder for the session's room (see the module's docstring)."""
    room = session.video_provider or settings.SESSIONS_VIDEO_PROVIDER
    if room == LIVEKIT:
        return _livekit
    if settings.RECORDING_PROVIDER_LOCAL:
        return _local
    return NoRecorder(REASONS.get(room, REASONS["jitsi"]))


def presence_from_harbor(provider: RecordingProvider) -> bool:
    """Does the recorder take Harbor's own join and leave events as who is in the room? (The
    local recorder does; LiveKit's own participant webhooks say who left its rooms.)"""
    return bool(getattr(provider, "presence_from_harbor", False))
