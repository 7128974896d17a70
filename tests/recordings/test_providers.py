"""The local recorder makes a real WAV file as long as the segment; the registry picks a recorder
by the session's room and refuses rooms Harbor cannot trust."""

from __future__ import annotations

import io
import wave
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from iop.domain import Conflict
from recordings.models import Recording, RecordingPurpose
from recordings.providers.base import RecordingUnavailable
from recordings.providers.local import RATE, LocalRecorder, wav_stream
from recordings.providers.registry import provider_for
from recordings.services import recording_start
from sessions_app.selectors import WebhookRejected

pytestmark = pytest.mark.django_db


def read_wav(chunks):
    data = b"".join(chunks)
    with wave.open(io.BytesIO(data), "rb") as wav:
        return wav.getnchannels(), wav.getframerate(), wav.getnframes(), wav.readframes(10**9)


def test_the_tone_pattern_is_a_playable_wav_of_the_asked_length():
    chunks = list(wav_stream(37.5))
    channels, rate, frames, pcm = read_wav(chunks)

    assert (channels, rate, frames) == (1, RATE, int(37.5 * RATE))
    assert len(pcm) == 2 * frames
    assert len(chunks) > 2  # streamed, not one blob
    # A pip at the start of each second, silence between.
    second = pcm[2 * RATE * 3 : 2 * RATE * 4]
    assert any(second[:400]) and not any(second[-400:])


def test_the_local_recorder_follows_the_segments_wall_clock_length_capped(session, settings):
    recorder = LocalRecorder()
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        ref = recorder.segment_start(session=session, segment_ref="a")
        assert recorder.segment_status(provider_ref=ref).status == "active"
        assert [s.provider_ref for s in recorder.segments_active(room_name=session.room_name)] == [
            ref
        ]
        with pytest.raises(RecordingUnavailable) as early:
            recorder.segment_media(provider_ref=ref)
        assert not early.value.permanent

        clock.shift(timedelta(seconds=12))
        recorder.segment_stop(provider_ref=ref)
        recorder.segment_stop(provider_ref=ref)  # idempotent
        clock.shift(timedelta(minutes=5))  # the stop time holds, not the read time
        assert recorder.segment_status(provider_ref=ref).status == "complete"
        assert read_wav(recorder.segment_media(provider_ref=ref))[2] == 12 * RATE

        settings.RECORDING_LOCAL_MAX_SECONDS = 3
        long = recorder.segment_start(session=session, segment_ref="b")
        clock.shift(timedelta(hours=2))
        recorder.segment_stop(provider_ref=long)
        assert read_wav(recorder.segment_media(provider_ref=long))[2] == 3 * RATE

    recorder.segment_media_discard(provider_ref=ref)
    assert recorder.segment_status(provider_ref=ref).status == "failed"
    with pytest.raises(RecordingUnavailable):
        recorder.segment_media(provider_ref=ref)
    with pytest.raises(WebhookRejected):
        recorder.webhook_events({}, b"{}")


def test_jitsi_and_external_rooms_are_refused_with_the_reason_when_no_local_recorder(
    session, clinician, settings
):
    settings.RECORDING_PROVIDER_LOCAL = False
    assert (
        provider_for(session)
        .refusal(session)
        .startswith("Jitsi rooms have no recording API Harbor can trust")
    )
    with pytest.raises(Conflict, match="Jitsi rooms have no recording API"):
        recording_start(actor=clinician, session=session, purpose=RecordingPurpose.QA)
    assert not Recording.objects.exists()

    session.video_provider = "external"
    assert "outside video link" in provider_for(session).refusal(session)


def test_with_the_local_recorder_on_a_jitsi_room_records_locally(session):
    assert provider_for(session).name == "local"
    assert provider_for(session).refusal(session) is None
