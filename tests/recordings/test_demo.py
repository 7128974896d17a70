"""The demo clinic's recordings: made through the real pipeline, one segment withheld, a
therapeutic recording a client is in, and an expired one the purge tick removes."""

from __future__ import annotations

import time

import pytest
from django.core.management import call_command

from iop.accounts.models import User
from recordings import crypto, vault
from recordings.demo import EXPIRED_TITLE, QA_TITLE, THERAPEUTIC_TITLE
from recordings.models import Recording, RecordingPurpose, RecordingState, SegmentState
from recordings.selectors import segments_playable_for
from recordings.services import recordings_purge_tick
from tests.recordings.vault_fixtures import recording_storage as recording_storage

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("recording_storage")]


def plays(segment) -> bytes:
    recording = segment.recording
    key = crypto.WrappedKey(kek_id=recording.kek_id, wrapped=bytes(recording.wrapped_key))
    media = vault.StoredMedia(
        object_key=segment.object_key,
        plaintext_size=segment.plaintext_size,
        ciphertext_size=segment.ciphertext_size,
        chunk_size=segment.chunk_size,
    )
    return b"".join(vault.media_read(key=key, aad=segment.aad, media=media))


def test_seeding_makes_the_demo_recordings_and_the_purge_removes_the_expired_one(
    settings, tmp_path
):
    recording_storage = tmp_path / "recordings"
    settings.DEBUG = True  # seed_demo refuses a production configuration
    call_command("seed_demo")

    qa = Recording.objects.get(session__title=QA_TITLE)
    assert qa.purpose == RecordingPurpose.QA and qa.state == RecordingState.STOPPED
    segments = list(qa.segments.order_by("index"))
    assert [s.state for s in segments] == [SegmentState.STORED] * 3
    assert all(plays(s).startswith(b"RIFF") for s in segments)  # real, encrypted WAV
    assert not list(recording_storage.glob("*RIFF*"))
    supervisor = User.objects.get(email="supervisor@demo.harbor")
    playable = segments_playable_for(supervisor, qa, RecordingPurpose.QA)
    assert [p.playable for p in playable] == [True, False, True]
    assert playable[1].withheld_because

    therapeutic = Recording.objects.get(session__title=THERAPEUTIC_TITLE)
    people = therapeutic.segments.get().participant_rows.filter(user__role="client")
    assert people.exists()

    expired = Recording.objects.get(session__title=EXPIRED_TITLE)
    object_key = expired.segments.get().object_key
    assert object_key and (recording_storage / object_key).exists()
    assert recordings_purge_tick() == 1
    expired.refresh_from_db()
    assert expired.state == RecordingState.PURGED and expired.wrapped_key is None
    assert not (recording_storage / object_key).exists()
    qa.refresh_from_db()
    assert qa.purged_at is None

    # Seeding again keeps what is there and makes a new expired recording for the next demo.
    started = time.monotonic()
    call_command("seed_demo")
    assert time.monotonic() - started < 60
    assert Recording.objects.filter(session__title=QA_TITLE).count() == 1
    assert Recording.objects.filter(session__title=THERAPEUTIC_TITLE).count() == 1
    assert Recording.objects.filter(session__title=EXPIRED_TITLE, purged_at=None).count() == 1


def test_the_recordings_seeder_is_quick(settings):
    """Seeding the recordings (five segments stored encrypted) takes a few seconds at most."""
    from iop.accounts.demo import seeders

    settings.DEBUG = True
    timings: dict[str, float] = {}
    for name, seeder in seeders():
        if name == "recordings":

            def timed(clinic, seeder=seeder):
                started = time.monotonic()
                seeder(clinic)
                timings.setdefault(clinic.program.name, time.monotonic() - started)

            from iop.accounts import demo

            demo.register("recordings", timed, order=30)
    try:
        call_command("seed_demo")
    finally:
        from recordings.demo import seed_recordings

        demo.register("recordings", seed_recordings, order=30)
    assert timings and max(timings.values()) < 5
    assert Recording.objects.filter(segments__state=SegmentState.STORED).distinct().count() == 3
