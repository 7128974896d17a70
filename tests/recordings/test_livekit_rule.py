"""The rule in a LiveKit room, against the LiveKit fake (tests/livekit_fake.py): segments are
egresses, a join through Harbor stops the egress before the token is answered, and only
LiveKit's own participant events say someone left."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from recordings.models import RecordingPurpose, RecordingSegment, RecordingState, SegmentState
from recordings.providers.base import RoomEvent
from recordings.providers.registry import provider_for
from recordings.services import (
    recording_start,
    recording_stop,
    room_events_record,
    room_participant_joined,
    segment_store,
    segments_store_tick,
)
from sessions_app.models import AttendanceEventSource, EventKind
from sessions_app.services import attendance_event_record
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def live_session(session, livekit, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "recordings": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    session.video_provider = "livekit"
    session.save(update_fields=["video_provider"])
    return session


def test_a_livekit_room_records_with_livekit_even_where_the_local_recorder_is_on(live_session):
    assert provider_for(live_session).name == "livekit"


def test_a_join_through_harbor_stops_the_egress_before_the_token_is_given(
    live_session, livekit, clinician, client_profile, jordan, django_capture_on_commit_callbacks
):
    room_participant_joined(session=live_session, user_id=client_profile.user_id, at=timezone.now())
    recording = recording_start(actor=clinician, session=live_session, purpose=RecordingPurpose.QA)
    [first] = RecordingSegment.objects.filter(recording=recording)
    assert first.provider_ref in livekit.egresses
    assert livekit.methods()[-1].endswith("StartRoomCompositeEgress")

    answer = sign_in(jordan.user).post(f"/sessions/{live_session.pk}/join/")

    assert answer.status_code == 200 and answer.json()["token"]
    assert livekit.methods()[-1].endswith("StopEgress")  # before the answer was made
    recording.refresh_from_db()
    assert recording.state == RecordingState.PAUSED

    # The page's own leave is not LiveKit's word that they left the room: still paused.
    with django_capture_on_commit_callbacks(execute=True):
        for kind in (EventKind.JOIN, EventKind.LEAVE):
            attendance_event_record(
                actor=jordan.user,
                session=live_session,
                client=jordan,
                kind=kind,
                source=AttendanceEventSource.PRESENCE,
            )
    recording.refresh_from_db()
    assert recording.state == RecordingState.PAUSED

    left = RoomEvent(
        event_id="EV_left",
        kind="participant_left",
        room_name=live_session.room_name,
        at=timezone.now(),
        user_id=jordan.user_id,
    )
    assert room_events_record(provider="livekit", events=[left]) == 1
    recording.refresh_from_db()
    assert recording.state == RecordingState.RECORDING
    first, second = RecordingSegment.objects.filter(recording=recording).order_by("index")
    assert second.provider_ref != first.provider_ref and second.provider_ref in livekit.egresses

    recording_stop(actor=clinician, recording=recording)
    for segment in (first, second):
        assert segment_store(segment_id=segment.pk) == "stored"
        segment.refresh_from_db()
        assert segment.state == SegmentState.STORED and segment.content_type == "video/mp4"


def test_a_segment_waits_for_livekit_to_finish_its_file(
    live_session, livekit, clinician, client_profile
):
    livekit.complete_on_stop = False
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        recording = recording_start(
            actor=clinician, session=live_session, purpose=RecordingPurpose.QA
        )
        recording_stop(actor=clinician, recording=recording)
        segment = RecordingSegment.objects.get(recording=recording)

        assert segments_store_tick() == 0  # the egress is ending, its file not written yet
        segment.refresh_from_db()
        assert segment.state == SegmentState.STORING
        assert segment.store_due_at == start + timedelta(seconds=10)
        assert segment.error == "The recorder is still finishing the file."

        livekit.finish(segment.provider_ref)
        clock.shift(timedelta(seconds=10))
        assert segments_store_tick() == 1
    segment.refresh_from_db()
    assert segment.state == SegmentState.STORED and segment.error == ""
