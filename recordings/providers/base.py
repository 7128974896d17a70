"""What a recorder does, whatever records: the `RecordingProvider` interface and its values.

A provider captures a session's room in segments (`segment_start` → `segment_stop`), hands
Harbor the finished segment's plaintext media as a stream (never written to disk by Harbor),
and turns its webhooks into `RoomEvent`s. Chosen per session by `registry.provider_for`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class RoomEvent:
    event_id: str  # provider's unique id (dedupe key)
    # "participant_joined" | "participant_left" | "egress_started" | "egress_updated" |
    # "egress_ended"
    kind: str
    room_name: str
    at: datetime  # aware UTC
    user_id: int | None = None  # Harbor user id for participant events ("harbor-user-<id>")
    # A participant who is not a Harbor user (a dial-in, a token Harbor did not mint): their
    # identity in the room, user_id None. Present without consent, whatever the purpose.
    identity: str = ""
    egress_id: str | None = None
    egress_status: str | None = None  # "active" | "complete" | "failed" (normalised)
    error: str = ""


@dataclass(frozen=True)
class RoomParticipant:
    """Someone the provider lists in the room: a Harbor user (`user_id`) or anyone else (their
    `identity`, user_id None). The provider's own recorder is never one."""

    user_id: int | None
    identity: str = ""


@dataclass(frozen=True)
class SegmentStatus:
    provider_ref: str  # egress id (livekit) / local id
    status: str  # "active" | "complete" | "failed"
    error: str = ""


class RecordingUnavailable(Exception):
    """The provider cannot record (the reason is shown to the facilitator). `permanent`: trying
    again will not help (a room without a recording API, a refused request); False for a
    passing fault (a timeout, a file not finished yet)."""

    def __init__(self, reason: str, *, permanent: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = reason  # as DomainError names it
        self.permanent = permanent


class RecordingProvider(Protocol):
    name: str
    content_type: str  # of the media: audio/wav (local) or video/mp4 (livekit)

    def refusal(self, session: Any) -> str | None:
        """None when the session's room can be recorded; else the reason, for the facilitator."""
        ...

    def segment_start(self, *, session: Any, segment_ref: str) -> str:
        """Start capturing the room; returns the provider's reference of the segment."""
        ...

    def segment_stop(self, *, provider_ref: str) -> None:
        """Stop capturing (idempotent)."""
        ...

    def segment_status(self, *, provider_ref: str) -> SegmentStatus: ...

    def segments_active(self, *, room_name: str) -> list[SegmentStatus]:
        """What the provider is capturing in the room now (reconcile: ListEgress)."""
        ...

    def segment_media(self, *, provider_ref: str) -> Iterator[bytes]:
        """The finished segment's plaintext media, streamed."""
        ...

    def segment_media_discard(self, *, provider_ref: str) -> None:
        """Delete the provider's staging copy once Harbor stored it encrypted (idempotent)."""
        ...

    def webhook_events(self, headers: dict[str, str], body: bytes) -> list[RoomEvent]:
        """The webhook's events; raises sessions_app.video.WebhookRejected on a bad signature."""
        ...

    def room_participants(self, *, room_name: str) -> list[RoomParticipant] | None:
        """Who the provider has in the room now (reconcile: ListParticipants), or None for a
        recorder with no such list (Harbor's own events are its truth). Raises
        RecordingUnavailable when the provider cannot be asked."""
        ...
