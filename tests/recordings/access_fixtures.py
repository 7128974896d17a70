"""A stored QA recording for the access-request tests, made through the real local recorder:
segment 1 has Casey alone, segment 2 Casey and Jordan (who agreed to QA in between).

Import the fixtures into the tests that need them:
`from tests.recordings.access_fixtures import media_dir, qa_recording  # noqa: F401`.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from iop.consents.models import ConsentKind
from iop.notify.models import OutboundMessage
from recordings.models import RecordingPurpose, RecordingSegment
from recordings.services import (
    recording_start,
    recording_stop,
    recordings_rule_check,
    room_participant_joined,
    segment_store,
)
from tests.recordings.conftest import grant, withdraw


@pytest.fixture
def media_dir(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "recordings": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


def join(session, person) -> None:
    room_participant_joined(session=session, user_id=person.pk, at=timezone.now())


def stored_recording(session, clinician, purpose: str, *, present: list) -> object:
    """Everyone in `present` joins, the recording runs, stops, and its segments are stored."""
    for person in present:
        join(session, person)
    recording = recording_start(actor=clinician, session=session, purpose=purpose)
    recording_stop(actor=clinician, recording=recording)
    for segment in RecordingSegment.objects.filter(recording=recording):
        assert segment_store(segment_id=segment.pk) == "stored"
    recording.refresh_from_db()
    return recording


@pytest.fixture
def qa_recording(media_dir, session, clinician, client_profile, jordan):
    grant(jordan, ConsentKind.RECORDING_QA, by=clinician)
    join(session, client_profile.user)
    recording = recording_start(actor=clinician, session=session, purpose=RecordingPurpose.QA)
    withdraw(jordan, ConsentKind.RECORDING_QA, by=clinician)
    join(session, jordan.user)  # pause: segment 1 ends
    grant(jordan, ConsentKind.RECORDING_QA, by=clinician)
    recordings_rule_check(recording_id=recording.pk)  # resume with Jordan: segment 2
    recording_stop(actor=clinician, recording=recording)
    for segment in RecordingSegment.objects.filter(recording=recording):
        assert segment_store(segment_id=segment.pk) == "stored"
    recording.refresh_from_db()
    return recording


def messages_about(obj) -> list[OutboundMessage]:
    from django.contrib.contenttypes.models import ContentType

    return list(
        OutboundMessage.objects.filter(
            about_type=ContentType.objects.get_for_model(obj), about_id=str(obj.pk)
        ).order_by("pk")
    )
