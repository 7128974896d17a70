"""Which stored segments may be played for a purpose: only those whose every participant still
consents to it; a withdrawal withholds them at once (playback and access build on this)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from iop.consents.models import ConsentKind
from recordings.models import Recording, RecordingPurpose, RecordingSegment
from recordings.selectors import recordings_visible_to, segments_playable_for
from recordings.services import (
    recording_start,
    recording_stop,
    room_participant_joined,
    room_participant_left,
    segment_store,
)
from tests.recordings.conftest import grant, withdraw

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


def move(session, person, *, joined: bool):
    record = room_participant_joined if joined else room_participant_left
    record(session=session, user_id=person.pk, at=timezone.now())


@pytest.fixture
def recording(session, clinician, client_profile, jordan):
    """Segment 1: Casey alone; segment 2: Casey and Jordan (who agreed to QA in between)."""
    grant(jordan, ConsentKind.RECORDING_QA, by=clinician)
    move(session, client_profile.user, joined=True)
    recording = recording_start(actor=clinician, session=session, purpose=RecordingPurpose.QA)
    withdraw(jordan, ConsentKind.RECORDING_QA, by=clinician)
    move(session, jordan.user, joined=True)  # pause: segment 1 ends
    grant(jordan, ConsentKind.RECORDING_QA, by=clinician)
    from recordings.services import recordings_rule_check

    recordings_rule_check(recording_id=recording.pk)  # resume with Jordan: segment 2
    recording_stop(actor=clinician, recording=recording)
    for segment in RecordingSegment.objects.filter(recording=recording):
        assert segment_store(segment_id=segment.pk) == "stored"
    return recording


def test_a_withdrawal_withholds_every_segment_the_person_is_in_at_once(
    recording, clinician, jordan
):
    playable = segments_playable_for(clinician, recording, RecordingPurpose.QA)
    assert [(p.segment.index, p.playable) for p in playable] == [(0, True), (1, True)]

    withdraw(jordan, ConsentKind.RECORDING_QA, by=clinician)

    playable = segments_playable_for(clinician, recording, RecordingPurpose.QA)
    assert [(p.segment.index, p.playable) for p in playable] == [(0, True), (1, False)]
    assert playable[1].withheld_because == "Jordan Park no longer agrees"
    # For a purpose Casey never agreed to be played for, nothing plays.
    education = segments_playable_for(clinician, recording, RecordingPurpose.EDUCATION)
    assert [p.playable for p in education] == [True, False]


def test_only_those_who_may_see_the_recording_read_its_segments(
    recording, client_profile, jordan, other_client_profile, other_clinician, support_agent
):
    assert set(recordings_visible_to(client_profile.user)) == {recording}
    assert set(recordings_visible_to(jordan.user)) == {recording}
    for outsider in (other_client_profile.user, other_clinician, support_agent):
        assert not recordings_visible_to(outsider).exists()
        with pytest.raises(Recording.DoesNotExist):
            segments_playable_for(outsider, recording, RecordingPurpose.QA)
