"""What a recording provider offers (recording_plan.md): the lead replaces this temporary copy
with H1's identical file."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class RoomEvent:
    event_id: str  # provider's unique id (dedupe key)
    kind: str  # "participant_joined" | "participant_left" | "egress_started" | "egress_updated" | "egress_ended"
    room_name: str
    at: datetime  # aware UTC
    user_id: int | None = None  # Harbor user id for participant events, else None
    egress_id: str | None = None
    egress_status: str | None = None  # "active" | "complete" | "failed" (normalised)
    error: str = ""


@dataclass(frozen=True)
class SegmentStatus:
    provider_ref: str  # egress id (livekit) / local id
    status: str  # "active" | "complete" | "failed"
    error: str = ""


class RecordingUnavailable(Exception):
    """The provider can't record (the reason is shown to the facilitator)."""

    def __init__(self, reason: str, *, permanent: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class RecordingProvider(Protocol):
    name: str
    content_type: str

    def refusal(self, session: Any) -> str | None: ...

    def segment_start(self, *, session: Any, segment_ref: str) -> str: ...

    def segment_stop(self, *, provider_ref: str) -> None: ...

    def segment_status(self, *, provider_ref: str) -> SegmentStatus: ...

    def segments_active(self, *, room_name: str) -> list[SegmentStatus]: ...

    def segment_media(self, *, provider_ref: str) -> Iterator[bytes]: ...

    def segment_media_discard(self, *, provider_ref: str) -> None: ...

    def webhook_events(self, headers: dict[str, str], body: bytes) -> list[RoomEvent]: ...
