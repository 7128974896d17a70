"""A recording made for real to play back: the local recorder's WAV, stored through the vault.

`make_recording(purpose)` records the conftest's session (facilitated by `clinician`) in two
segments: segment 0 with Casey alone (3 s), segment 1 with Casey and Jordan (2 s; Jordan agreed
to the purpose in between). Chunks are small (4 KiB), so a Range read spans several of them.
Import the fixtures: `from tests.recordings.playback_fixtures import make_recording,
media_dir  # noqa: F401`.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from recordings import crypto, vault
from recordings.models import CONSENT_FOR_PURPOSE, RecordingSegment
from recordings.services import (
    recording_start,
    recording_stop,
    recordings_rule_check,
    room_participant_joined,
    segment_store,
)
from tests.recordings.conftest import grant, withdraw

CHUNK = 4096


@pytest.fixture
def media_dir(settings, tmp_path):
    settings.RECORDING_CHUNK_BYTES = CHUNK
    settings.STORAGES = {
        **settings.STORAGES,
        "recordings": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    return tmp_path / "media"


def joins(session, person):
    room_participant_joined(session=session, user_id=person.pk, at=timezone.now())


@pytest.fixture
def make_recording(session, clinician, client_profile, jordan, clock, media_dir):
    def make(purpose):
        kind = CONSENT_FOR_PURPOSE[purpose]
        joins(session, client_profile.user)
        recording = recording_start(actor=clinician, session=session, purpose=purpose)
        clock.shift(timedelta(seconds=3))
        joins(session, jordan.user)  # Jordan has not agreed: segment 0 ends
        grant(jordan, kind, by=clinician)
        recordings_rule_check(recording_id=recording.pk)  # segment 1, with Jordan
        clock.shift(timedelta(seconds=2))
        recording_stop(actor=clinician, recording=recording)
        for segment in RecordingSegment.objects.filter(recording=recording):
            assert segment_store(segment_id=segment.pk) == "stored"
        recording.refresh_from_db()
        return recording

    return make


def plaintext(segment) -> bytes:
    """The segment's media, decrypted straight from the vault (what the player must get)."""
    recording = segment.recording
    key = crypto.WrappedKey(kek_id=recording.kek_id, wrapped=bytes(recording.wrapped_key))
    media = vault.StoredMedia(
        object_key=segment.object_key,
        plaintext_size=segment.plaintext_size,
        ciphertext_size=segment.ciphertext_size,
        chunk_size=segment.chunk_size,
    )
    return b"".join(vault.media_read(key=key, aad=segment.aad, media=media))


__all__ = ["grant", "make_recording", "media_dir", "plaintext", "withdraw"]
