"""An ended segment's media is stored encrypted by a worker, whole or not at all."""

from __future__ import annotations

import io
import wave
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from iop.audit.models import AccessLog
from recordings import crypto, vault
from recordings.models import RecordingPurpose, RecordingSegment, SegmentState
from recordings.providers.local import RATE
from recordings.providers.registry import provider_named
from recordings.services import (
    recording_start,
    recording_stop,
    room_participant_joined,
    segment_store,
    segments_store_tick,
)
from recordings.tasks import segment_store_task

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_dir(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "recordings": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    return tmp_path / "media"


def recorded(session, clinician, client_profile, clock, *, seconds: int):
    """A QA recording of `seconds`, stopped: its one segment waits to be stored."""
    room_participant_joined(session=session, user_id=client_profile.user_id, at=timezone.now())
    recording = recording_start(actor=clinician, session=session, purpose=RecordingPurpose.QA)
    clock.shift(timedelta(seconds=seconds))
    recording_stop(actor=clinician, recording=recording)
    return recording, RecordingSegment.objects.get(recording=recording)


def played(segment) -> bytes:
    recording = segment.recording
    key = crypto.WrappedKey(kek_id=recording.kek_id, wrapped=bytes(recording.wrapped_key))
    media = vault.StoredMedia(
        object_key=segment.object_key,
        plaintext_size=segment.plaintext_size,
        ciphertext_size=segment.ciphertext_size,
        chunk_size=segment.chunk_size,
    )
    return b"".join(vault.media_read(key=key, aad=segment.aad, media=media))


def test_a_stopped_segment_is_stored_encrypted_and_plays_back_as_long_as_it_ran(
    session, clinician, client_profile, media_dir, clock
):
    recording, segment = recorded(session, clinician, client_profile, clock, seconds=21)

    assert segment_store_task(segment.pk) == "stored"

    segment.refresh_from_db()
    assert segment.state == SegmentState.STORED and segment.store_due_at is None
    assert segment.content_type == "audio/wav"
    with wave.open(io.BytesIO(played(segment)), "rb") as wav:
        assert wav.getnframes() == 21 * RATE
    # Ciphertext only, under a random name that names nobody.
    stored = Path(media_dir, segment.object_key).read_bytes()
    assert len(stored) == segment.ciphertext_size and b"RIFF" not in stored[:64]
    assert "casey" not in segment.object_key.lower() and str(recording.uuid) not in (
        segment.object_key
    )
    # The provider's staging copy is gone; storing again does nothing.
    status = provider_named("local").segment_status(provider_ref=segment.provider_ref)
    assert status.status == "failed"
    assert segment_store(segment_id=segment.pk) == "skipped"
    assert AccessLog.objects.filter(
        object_type="recordings.RecordingSegment", detail__startswith="segment 1 stored"
    ).exists()


def test_the_media_is_bound_to_its_segment(session, clinician, client_profile, clock):
    _, segment = recorded(session, clinician, client_profile, clock, seconds=2)
    segment_store(segment_id=segment.pk)
    segment.refresh_from_db()
    segment.index = 7  # another segment's place: its authentication fails

    with pytest.raises(vault.MediaTampered):
        played(segment)


def test_storage_failing_leaves_the_segment_failed_and_nothing_stored(
    session, clinician, client_profile, settings, tmp_path, clock
):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the storage's folder should be")
    settings.STORAGES = {
        **settings.STORAGES,
        "recordings": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(blocked / "media")},
        },
    }
    recording, segment = recorded(session, clinician, client_profile, clock, seconds=3)

    assert segment_store(segment_id=segment.pk) == "failed"

    segment.refresh_from_db()
    recording.refresh_from_db()
    assert segment.state == SegmentState.FAILED and not segment.object_key
    assert segment.error.startswith("Storage failed")
    assert recording.alert.startswith("Part 1 of the recording could not be stored")
    assert segment_store(segment_id=segment.pk) == "skipped"


def test_the_tick_stores_what_no_worker_took(session, clinician, client_profile, clock):
    _, segment = recorded(session, clinician, client_profile, clock, seconds=2)

    assert segments_store_tick() == 1
    segment.refresh_from_db()
    assert segment.state == SegmentState.STORED
    assert segments_store_tick() == 0
