"""A session held in a LiveKit room (the fake of tests/livekit_fake.py), whose webhooks reach
Harbor's /hooks/recordings/livekit/ through Django's test client from the test's own thread:
`hooked` holds every webhook the fake builds until the test calls `deliver(livekit)`.

    def test_it(live_session, hooked): ...   # import both fixtures into the test module
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest
from django.test import Client

from recordings.models import RecordingPurpose, RecordingSegment
from recordings.services import recording_start, room_participant_joined
from tests.livekit_fake import LiveKitFake, Sent

HOOK = "/hooks/recordings/livekit/"


@dataclass
class Answer:
    status: int
    body: dict
    event: str  # the webhook's event name
    methods_then: list[str] = field(default_factory=list)  # the fake's API calls by then


def post_webhook(headers: dict[str, str], body: bytes, client: Client | None = None):
    sent = {"User-Agent": headers.get("User-Agent", "LiveKit")}
    if "Authorization" in headers:
        sent["Authorization"] = headers["Authorization"]
    return (client or Client()).post(
        HOOK,
        data=body,
        content_type=headers.get("Content-Type", "application/webhook+json"),
        headers=sent,
    )


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


@pytest.fixture
def hooked(livekit: LiveKitFake) -> list[Answer]:
    """The fake's webhooks go to Harbor's hook (held until `deliver`); each answer, with the
    fake's API calls made by the time it was given, is appended to the returned list."""
    answers: list[Answer] = []
    client = Client()

    def target(headers: dict[str, str], body: bytes) -> int:
        response = post_webhook(headers, body, client)
        event = json.loads(body).get("event", "")
        answers.append(
            Answer(response.status_code, response.json(), event, list(livekit.methods()))
        )
        return response.status_code

    livekit.webhook_to = target
    livekit.hold()
    return answers


def deliver(livekit: LiveKitFake, *, reverse: bool = False) -> list[Sent]:
    """Send the held webhooks now, from this thread, and keep holding what comes next."""
    return livekit.flush(reverse=reverse, keep=True)


def recording_under_way(session, clinician, client_profile, livekit: LiveKitFake):
    """Casey (who agreed to everything) in the room, for Harbor and in the fake's room, and a
    QA recording running: its segment."""
    livekit.room_join(session.room_name, f"harbor-user-{client_profile.user_id}")
    room_participant_joined(session=session, user_id=client_profile.user_id, at=_now())
    recording = recording_start(actor=clinician, session=session, purpose=RecordingPurpose.QA)
    segment = RecordingSegment.objects.get(recording=recording)
    assert segment.provider_ref in livekit.egresses
    return recording, segment


def _now():
    from django.utils import timezone

    return timezone.now()
