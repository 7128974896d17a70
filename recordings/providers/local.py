"""The local recorder, for tests and `make run`: a real, playable WAV file, generated.

It captures nothing: a segment's "media" is a tone pattern as long as the segment lasted (up to
RECORDING_LOCAL_MAX_SECONDS), so segments, encryption, storage and playback run for real with
no outside service. Each second starts with a short pip; every tenth second with a long, higher
tone; every minute with two, so a listener can tell how far into the segment they are. The
file is generated as it is streamed: no plaintext is ever written to disk.

A segment's start and stop times are kept in the cache (Redis), shared by the web processes
that start and stop segments and the worker that stores them. There are no provider events:
the local recorder trusts Harbor's own join and leave events (`presence_from_harbor`).
"""

from __future__ import annotations

import io
import math
import wave
from array import array
from collections.abc import Iterator
from functools import cache as memoise
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from recordings.providers.base import (
    RecordingUnavailable,
    RoomEvent,
    RoomParticipant,
    SegmentStatus,
)
from sessions_app.selectors import WebhookRejected

RATE = 8000  # samples per second: mono, 16-bit
SECONDS_PER_CHUNK = 16  # 256 KB of media per chunk handed to storage
STATE_SECONDS = 2 * 24 * 3600  # how long the cache remembers a segment
PREFIX = "recordings:local:"


@memoise
def _second(kind: str) -> bytes:
    """One second of audio: a pip ("tick"), a long high tone ("ten"), two tones ("minute")."""
    tones = {"tick": [(0.0, 0.08, 880.0)], "ten": [(0.0, 0.3, 1320.0)]}
    tones["minute"] = [(0.0, 0.15, 1320.0), (0.25, 0.4, 1760.0)]
    samples = array("h", bytes(2 * RATE))
    for start, end, pitch in tones[kind]:
        for i in range(int(start * RATE), int(end * RATE)):
            samples[i] = int(9000 * math.sin(2 * math.pi * pitch * i / RATE))
    return samples.tobytes()


def _wav_header(frames: int) -> bytes:
    buffer = io.BytesIO()
    writer = wave.open(buffer, "wb")  # noqa: SIM115 - only its header is wanted
    writer.setnchannels(1)
    writer.setsampwidth(2)
    writer.setframerate(RATE)
    writer.setnframes(frames)
    writer.writeframesraw(b"")  # writes the header for `frames` frames
    return buffer.getvalue()


def wav_stream(seconds: float) -> Iterator[bytes]:
    """A WAV file of the tone pattern, `seconds` long (at least a quarter second), in chunks."""
    frames = max(int(round(seconds * RATE)), RATE // 4)
    yield _wav_header(frames)
    second, left, chunk = 0, frames, bytearray()
    while left > 0:
        kind = "minute" if second % 60 == 0 else "ten" if second % 10 == 0 else "tick"
        take = min(left, RATE)
        chunk += _second(kind)[: 2 * take]
        left -= take
        second += 1
        if second % SECONDS_PER_CHUNK == 0 or left == 0:
            yield bytes(chunk)
            chunk = bytearray()


def _key(provider_ref: str) -> str:
    return f"{PREFIX}{provider_ref}"


def _room_key(room_name: str) -> str:
    return f"{PREFIX}room:{room_name}"


class LocalRecorder:
    name = "local"
    content_type = "audio/wav"
    # No provider events: Harbor's own join page and session-page leaves say who is present.
    presence_from_harbor = True

    def refusal(self, session: Any) -> str | None:
        return None

    def segment_start(self, *, session: Any, segment_ref: str) -> str:
        provider_ref = f"local-{segment_ref}"
        state = {"started": timezone.now().timestamp(), "stopped": None, "room": session.room_name}
        cache.set(_key(provider_ref), state, STATE_SECONDS)
        refs = cache.get(_room_key(session.room_name)) or []
        cache.set(_room_key(session.room_name), [*refs, provider_ref][-50:], STATE_SECONDS)
        return provider_ref

    def segment_recorded(
        self, *, session: Any, segment_ref: str, started: float, stopped: float
    ) -> str:
        """A segment already recorded between two moments (timestamps): demo data's segments,
        whose media is then stored through the pipeline like any other."""
        provider_ref = f"local-{segment_ref}"
        state = {"started": started, "stopped": stopped, "room": session.room_name}
        cache.set(_key(provider_ref), state, STATE_SECONDS)
        return provider_ref

    def _state(self, provider_ref: str) -> dict[str, Any] | None:
        state = cache.get(_key(provider_ref))
        return state if isinstance(state, dict) else None

    def segment_stop(self, *, provider_ref: str) -> None:
        state = self._state(provider_ref)
        if state is None or state["stopped"] is not None:
            return
        state["stopped"] = timezone.now().timestamp()
        cache.set(_key(provider_ref), state, STATE_SECONDS)

    def segment_status(self, *, provider_ref: str) -> SegmentStatus:
        state = self._state(provider_ref)
        if state is None:
            return SegmentStatus(provider_ref, "failed", "The local recorder lost this segment.")
        return SegmentStatus(provider_ref, "active" if state["stopped"] is None else "complete")

    def segments_active(self, *, room_name: str) -> list[SegmentStatus]:
        found = [
            self.segment_status(provider_ref=ref) for ref in cache.get(_room_key(room_name)) or []
        ]
        return [status for status in found if status.status == "active"]

    def segment_media(self, *, provider_ref: str) -> Iterator[bytes]:
        state = self._state(provider_ref)
        if state is None:
            raise RecordingUnavailable("The local recorder has no media for this segment.")
        if state["stopped"] is None:
            raise RecordingUnavailable("The segment is still being recorded.", permanent=False)
        seconds = max(0.0, state["stopped"] - state["started"])
        return wav_stream(min(seconds, float(settings.RECORDING_LOCAL_MAX_SECONDS)))

    def segment_media_discard(self, *, provider_ref: str) -> None:
        cache.delete(_key(provider_ref))

    def webhook_events(self, headers: dict[str, str], body: bytes) -> list[RoomEvent]:
        raise WebhookRejected("The local recorder sends no webhooks.")

    def room_participants(self, *, room_name: str) -> list[RoomParticipant] | None:
        return None  # no room of its own: Harbor's events say who is present
