"""The LiveKit recorder (recordings/providers/livekit.py) through the real livekit-api client
against tests/livekit_fake.py, with moto's S3 server as the egress staging bucket."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from livekit.api import AccessToken, VideoGrants
from livekit.protocol.egress import EgressInfo, EgressStatus, FileInfo
from livekit.protocol.models import Room
from livekit.protocol.webhook import WebhookEvent

from recordings.providers.base import RecordingUnavailable, RoomEvent, SegmentStatus
from recordings.providers.livekit import LiveKitRecorder
from sessions_app.video import WebhookRejected
from tests.livekit_fake import (
    SAMPLE_MEDIA,
    Fail,
    Hang,
    LiveKitFake,
    sign_webhook,
    webhook_body,
)
from tests.servers import closed_port

ROOM = "harbor-room-0123456789abcdefghij"
REF = "seg_0123456789abcdef"


@pytest.fixture
def recorder() -> LiveKitRecorder:
    return LiveKitRecorder()


def _session(room: str = ROOM) -> SimpleNamespace:
    # The recorder reads only the session's room name.
    return SimpleNamespace(room_name=room)


# --- start, stop, status ---------------------------------------------------------------------------


def test_a_segment_is_a_room_composite_egress_to_a_file_in_the_staging_bucket(
    recorder, livekit, staging_s3
):
    egress_id = recorder.segment_start(session=_session(), segment_ref=REF)

    assert egress_id.startswith("EG_") and livekit.methods() == ["StartRoomCompositeEgress"]
    call = livekit.calls[0]
    assert call.headers["content-type"] == "application/protobuf"  # what the real client sends
    request = call.request
    assert request.room_name == ROOM and not request.audio_only and not request.video_only
    (output,) = request.file_outputs
    assert output.filepath == f"harbor-egress/{REF}.mp4"
    assert (output.s3.bucket, output.s3.endpoint) == (staging_s3.bucket, staging_s3.endpoint)
    assert output.s3.access_key == staging_s3.access_key and output.s3.force_path_style
    assert recorder.segment_status(provider_ref=egress_id) == SegmentStatus(egress_id, "active")


def test_the_api_token_is_signed_with_the_key_pair_and_asks_only_to_record(recorder, livekit):
    from livekit.api import TokenVerifier

    recorder.segment_start(session=_session(), segment_ref=REF)

    token = livekit.calls[0].headers["authorization"].removeprefix("Bearer ")
    claims = TokenVerifier(livekit.api_key, livekit.api_secret).verify(token)
    assert claims.video is not None and claims.video.room_record and not claims.video.room_join


def test_stopping_ends_the_egress_and_its_media_streams_from_staging_then_is_discarded(
    recorder, livekit, staging_s3
):
    egress_id = recorder.segment_start(session=_session(), segment_ref=REF)

    recorder.segment_stop(provider_ref=egress_id)

    assert recorder.segment_status(provider_ref=egress_id) == SegmentStatus(egress_id, "complete")
    assert staging_s3.keys() == [f"harbor-egress/{REF}.mp4"]
    chunks = list(recorder.segment_media(provider_ref=egress_id))
    media = b"".join(chunks)
    assert media == SAMPLE_MEDIA.read_bytes() and media[4:8] == b"ftyp"  # a real MP4
    assert recorder.content_type == "video/mp4"

    recorder.segment_media_discard(provider_ref=egress_id)
    assert staging_s3.keys() == []
    recorder.segment_media_discard(provider_ref=egress_id)  # again: nothing left, no error
    with pytest.raises(RecordingUnavailable) as refused:
        list(recorder.segment_media(provider_ref=egress_id))
    assert refused.value.permanent


def test_media_larger_than_a_chunk_streams_in_chunks(recorder, livekit, staging_s3):
    livekit.complete_on_stop = False
    egress_id = recorder.segment_start(session=_session(), segment_ref=REF)
    recorder.segment_stop(provider_ref=egress_id)
    big = bytes(range(256)) * (5 * 4096 + 7)  # 5 MiB and a bit
    livekit.finish(egress_id, media=big)

    chunks = list(recorder.segment_media(provider_ref=egress_id))

    assert len(chunks) > 1 and b"".join(chunks) == big


def test_stopping_twice_or_stopping_an_unknown_egress_is_not_an_error(recorder, livekit):
    egress_id = recorder.segment_start(session=_session(), segment_ref=REF)

    recorder.segment_stop(provider_ref=egress_id)
    recorder.segment_stop(provider_ref=egress_id)
    recorder.segment_stop(provider_ref="EG_unknown")

    assert livekit.methods() == [
        "StartRoomCompositeEgress",
        "StopEgress",
        "StopEgress",
        "StopEgress",
    ]


def test_segments_active_lists_the_rooms_running_egresses_only(recorder, livekit):
    first = recorder.segment_start(session=_session(), segment_ref=REF)
    second = recorder.segment_start(session=_session(), segment_ref=REF + "b")
    elsewhere = recorder.segment_start(session=_session("another-room-0123456789"), segment_ref=REF)
    recorder.segment_stop(provider_ref=first)

    active = recorder.segments_active(room_name=ROOM)

    assert active == [SegmentStatus(second, "active")]
    assert elsewhere not in {s.provider_ref for s in active}
    request = livekit.calls[-1].request
    assert (request.room_name, request.active) == (ROOM, True)


def test_an_egress_that_never_reports_stays_active_until_it_ends(recorder, livekit):
    livekit.complete_on_stop = False
    egress_id = recorder.segment_start(session=_session(), segment_ref=REF)
    recorder.segment_stop(provider_ref=egress_id)

    assert recorder.segment_status(provider_ref=egress_id).status == "active"  # ENDING
    with pytest.raises(RecordingUnavailable) as early:
        recorder.segment_media(provider_ref=egress_id)
    assert not early.value.permanent  # try again later

    livekit.finish(egress_id, status=EgressStatus.EGRESS_FAILED, error="compositor crashed")
    assert recorder.segment_status(provider_ref=egress_id) == SegmentStatus(
        egress_id, "failed", "compositor crashed"
    )
    with pytest.raises(RecordingUnavailable) as failed:
        recorder.segment_media(provider_ref=egress_id)
    assert failed.value.permanent


def test_an_upload_that_fails_fails_the_egress(recorder, livekit, settings):
    settings.LIVEKIT_EGRESS_S3_BUCKET = "no-such-bucket"
    egress_id = recorder.segment_start(session=_session(), segment_ref=REF)

    recorder.segment_stop(provider_ref=egress_id)

    status = recorder.segment_status(provider_ref=egress_id)
    assert status.status == "failed" and "upload failed" in status.error


def test_an_unknown_egress_reads_as_failed(recorder, livekit):
    assert recorder.segment_status(provider_ref="EG_nope").status == "failed"


# --- faults ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "permanent"),
    [("invalid_argument", True), ("not_found", True), ("internal", False), ("unavailable", False)],
)
def test_livekit_refusing_says_whether_trying_again_may_help(recorder, livekit, code, permanent):
    livekit.fail(Fail(code, "no can do"))

    with pytest.raises(RecordingUnavailable) as refused:
        recorder.segment_start(session=_session(), segment_ref=REF)

    assert refused.value.permanent is permanent and "no can do" in str(refused.value)


def test_an_unreachable_or_silent_server_is_a_temporary_failure(recorder, livekit, settings):
    settings.LIVEKIT_API_TIMEOUT_SECONDS = 1
    livekit.hang(Hang(5))
    with pytest.raises(RecordingUnavailable) as silent:
        recorder.segment_status(provider_ref="EG_x")
    assert not silent.value.permanent

    with closed_port() as port:
        settings.LIVEKIT_API_URL = f"http://127.0.0.1:{port}"
        with pytest.raises(RecordingUnavailable) as down:
            recorder.segment_start(session=_session(), segment_ref=REF)
    assert not down.value.permanent


def test_a_wrong_api_secret_is_refused_by_the_server(recorder, livekit, settings):
    settings.LIVEKIT_API_SECRET = "not-the-servers-secret-" + "x" * 20

    with pytest.raises(RecordingUnavailable) as refused:
        recorder.segment_start(session=_session(), segment_ref=REF)

    assert refused.value.permanent and livekit.egresses == {}


def test_without_livekit_or_staging_the_recorder_refuses_with_the_reason(recorder, settings):
    settings.LIVEKIT_URL = settings.LIVEKIT_API_URL = settings.LIVEKIT_API_KEY = ""
    assert "LIVEKIT_URL" in (recorder.refusal(_session()) or "")
    with pytest.raises(RecordingUnavailable):
        recorder.segment_start(session=_session(), segment_ref=REF)

    settings.LIVEKIT_URL, settings.LIVEKIT_API_URL = "ws://127.0.0.1:1", "http://127.0.0.1:1"
    settings.LIVEKIT_API_KEY, settings.LIVEKIT_API_SECRET = "key", "s" * 40
    settings.LIVEKIT_EGRESS_S3_BUCKET = ""
    assert "LIVEKIT_EGRESS_S3_BUCKET" in (recorder.refusal(_session()) or "")


def test_a_segment_ref_that_could_escape_the_prefix_is_refused(recorder, livekit):
    with pytest.raises(ValueError):
        recorder.segment_start(session=_session(), segment_ref="../../etc/passwd")
    assert livekit.calls == []


def test_the_client_works_from_a_thread_with_a_running_event_loop(recorder, livekit):
    """daphne's and Channels' threads run event loops; the calls must not borrow them."""
    egress_id = recorder.segment_start(session=_session(), segment_ref=REF)
    found: list[SegmentStatus] = []

    async def inside_a_loop() -> None:
        found.append(recorder.segment_status(provider_ref=egress_id))

    asyncio.run(inside_a_loop())
    worker = threading.Thread(
        target=lambda: found.append(recorder.segment_status(provider_ref=egress_id))
    )
    worker.start()
    worker.join(10)

    assert found == [SegmentStatus(egress_id, "active")] * 2


# --- webhooks ----------------------------------------------------------------------------------------


def _signed(livekit: LiveKitFake, event: WebhookEvent) -> tuple[dict[str, str], bytes]:
    body = webhook_body(event)
    return {
        "authorization": sign_webhook(body, api_key=livekit.api_key, api_secret=livekit.api_secret)
    }, body


def _joined(identity: str, event: str = "participant_joined", **fields) -> WebhookEvent:
    payload = {
        "event": event,
        "id": "EV_join1",
        "createdAt": "1764590400",
        "room": {"sid": "RM_1", "name": ROOM},
        "participant": {"sid": "PA_1", "identity": identity, "name": "Jordan"},
        **fields,
    }
    from google.protobuf import json_format

    return json_format.ParseDict(payload, WebhookEvent())


def test_participant_events_of_harbor_users_become_room_events(recorder, livekit):
    headers, body = _signed(livekit, _joined("harbor-user-42"))

    events = recorder.webhook_events(headers, body)

    assert events == [
        RoomEvent(
            event_id="EV_join1",
            kind="participant_joined",
            room_name=ROOM,
            at=datetime(2025, 12, 1, 12, 0, tzinfo=UTC),
            user_id=42,
        )
    ]
    left = recorder.webhook_events(*_signed(livekit, _joined("harbor-user-42", "participant_left")))
    aborted = recorder.webhook_events(
        *_signed(livekit, _joined("harbor-user-42", "participant_connection_aborted"))
    )
    assert [e.kind for e in left + aborted] == ["participant_left", "participant_left"]


@pytest.mark.parametrize(
    ("identity", "kind"),
    [
        ("EG_abc123", "STANDARD"),  # named like a recorder, but not one: fails closed
        ("guest", "STANDARD"),
        ("harbor-user-", "STANDARD"),
        ("harbor-user-4x", "STANDARD"),
        ("sip_+15550100", "SIP"),  # a dial-in
        ("harbor-user-42", "SIP"),  # a dial-in named like a Harbor user is still not one
        ("harbor-user-42", "AGENT"),
    ],
)
def test_anyone_harbor_did_not_sign_in_is_a_participant_by_identity(
    recorder, livekit, identity, kind
):
    participant = {"sid": "PA_1", "identity": identity, "kind": kind}

    [event] = recorder.webhook_events(*_signed(livekit, _joined(identity, participant=participant)))

    assert (event.kind, event.user_id, event.identity) == ("participant_joined", None, identity)
    assert event.room_name == ROOM and event.event_id == "EV_join1"


@pytest.mark.parametrize("event", ["participant_joined", "participant_left"])
def test_livekits_own_egress_recorder_is_known_by_its_kind_and_left_out(recorder, livekit, event):
    participant = {"sid": "PA_2", "identity": "EG_abc123", "kind": "EGRESS"}
    signed = _signed(livekit, _joined("EG_abc123", event, participant=participant))
    assert recorder.webhook_events(*signed) == []


def test_room_participants_lists_everyone_in_the_room_but_the_egress_recorder(recorder, livekit):
    from livekit.api import TokenVerifier
    from livekit.protocol.models import ParticipantInfo

    from recordings.providers.base import RoomParticipant

    assert recorder.room_participants(room_name=ROOM) == []  # a room LiveKit does not know
    livekit.room_join(ROOM, "harbor-user-42")
    livekit.room_join(ROOM, "sip_+15550100", kind=ParticipantInfo.Kind.SIP)
    livekit.room_join("another-room", "harbor-user-43")
    egress_id = recorder.segment_start(session=_session(), segment_ref=REF)  # its recorder joins

    listed = recorder.room_participants(room_name=ROOM)

    assert sorted(listed, key=repr) == sorted(
        [RoomParticipant(user_id=42), RoomParticipant(user_id=None, identity="sip_+15550100")],
        key=repr,
    )
    assert egress_id in livekit.rooms[ROOM]  # listed by LiveKit, left out by Harbor
    call = livekit.calls[-1]
    assert call.method == "ListParticipants" and call.request.room == ROOM
    claims = TokenVerifier(livekit.api_key, livekit.api_secret).verify(
        call.headers["authorization"].removeprefix("Bearer ")
    )
    assert claims.video.room_admin and claims.video.room == ROOM  # this room only


def test_room_participants_when_livekit_fails_is_a_temporary_failure(recorder, livekit):
    livekit.fail(Fail("unavailable", "down"))
    with pytest.raises(RecordingUnavailable) as raised:
        recorder.room_participants(room_name=ROOM)
    assert not raised.value.permanent


@pytest.mark.parametrize(
    ("status", "normalised", "error"),
    [
        (EgressStatus.EGRESS_STARTING, "active", ""),
        (EgressStatus.EGRESS_ACTIVE, "active", ""),
        (EgressStatus.EGRESS_ENDING, "active", ""),
        (EgressStatus.EGRESS_COMPLETE, "complete", ""),
        (
            EgressStatus.EGRESS_LIMIT_REACHED,
            "complete",
            "LiveKit stopped the recording at its time or size limit.",
        ),
        (EgressStatus.EGRESS_FAILED, "failed", "boom"),
        (EgressStatus.EGRESS_ABORTED, "failed", "boom"),
    ],
)
def test_egress_events_carry_the_normalised_status(recorder, livekit, status, normalised, error):
    info = EgressInfo(egress_id="EG_1", room_name=ROOM, status=status, error="boom")
    info.file_results.append(FileInfo(filename="harbor-egress/x.mp4"))
    event = WebhookEvent(
        event="egress_ended",
        id="EV_e1",
        created_at=1764590400,
        room=Room(name=ROOM),
        egress_info=info,
    )

    (room_event,) = recorder.webhook_events(*_signed(livekit, event))

    assert (room_event.kind, room_event.egress_id, room_event.room_name) == (
        "egress_ended",
        "EG_1",
        ROOM,
    )
    assert (room_event.egress_status, room_event.error) == (normalised, error)
    assert room_event.user_id is None and room_event.event_id == "EV_e1"


def test_events_about_rooms_and_tracks_are_not_room_events(recorder, livekit):
    for name in ("room_started", "room_finished", "track_published"):
        event = WebhookEvent(event=name, id="EV_" + name, room=Room(name=ROOM))
        assert recorder.webhook_events(*_signed(livekit, event)) == []


def test_a_webhook_signed_with_another_secret_is_rejected(recorder, livekit):
    body = webhook_body(_joined("harbor-user-42"))
    forged = sign_webhook(body, api_key=livekit.api_key, api_secret="another-secret-" + "y" * 30)

    with pytest.raises(WebhookRejected):
        recorder.webhook_events({"authorization": forged}, body)


def test_a_webhook_whose_body_was_changed_is_rejected(recorder, livekit):
    headers, body = _signed(livekit, _joined("harbor-user-42"))
    tampered = body.replace(b"harbor-user-42", b"harbor-user-43")

    with pytest.raises(WebhookRejected):
        recorder.webhook_events(headers, tampered)


def test_a_webhook_without_a_signature_or_with_a_room_token_is_rejected(recorder, livekit):
    body = webhook_body(_joined("harbor-user-42"))
    with pytest.raises(WebhookRejected):
        recorder.webhook_events({}, body)
    # A client's room token is signed with the same key pair, but signs no body.
    room_token = (
        AccessToken(livekit.api_key, livekit.api_secret)
        .with_identity("harbor-user-42")
        .with_grants(VideoGrants(room_join=True, room=ROOM))
        .to_jwt()
    )
    with pytest.raises(WebhookRejected):
        recorder.webhook_events({"authorization": room_token}, body)


def test_an_expired_signature_is_rejected(recorder, livekit):
    body = webhook_body(_joined("harbor-user-42"))
    digest = base64.b64encode(__import__("hashlib").sha256(body).digest()).decode()
    old = (
        AccessToken(livekit.api_key, livekit.api_secret)
        .with_ttl(timedelta(minutes=-10))
        .with_sha256(digest)
        .to_jwt()
    )
    with pytest.raises(WebhookRejected):
        recorder.webhook_events({"authorization": old}, body)


def test_a_bearer_prefix_is_accepted_and_json_is_read_whatever_its_spacing(recorder, livekit):
    body = json.dumps(json.loads(webhook_body(_joined("harbor-user-7"))), indent=2).encode()
    token = sign_webhook(body, api_key=livekit.api_key, api_secret=livekit.api_secret)

    (event,) = recorder.webhook_events({"authorization": f"Bearer {token}"}, body)

    assert event.user_id == 7


def test_the_fake_sends_egress_webhooks_that_the_recorder_reads(recorder, livekit, staging_s3):
    """The fake's own webhooks (what wave 2's reconcile tests use): lifecycle, duplicates,
    a lost egress_ended and out-of-order delivery."""
    received: list[RoomEvent] = []

    def deliver(headers: dict[str, str], body: bytes) -> int:
        received.extend(recorder.webhook_events({k.lower(): v for k, v in headers.items()}, body))
        return 200

    livekit.webhook_to = deliver
    livekit.hold()  # delivered from this thread by flush(), not from the server's
    first = recorder.segment_start(session=_session(), segment_ref=REF)
    recorder.segment_stop(provider_ref=first)
    held = livekit.flush(reverse=True)

    assert [(e.kind, e.egress_status) for e in received] == [
        ("egress_ended", "complete"),
        ("egress_started", "active"),
    ]
    livekit.resend(held[0])
    assert received[-1] == received[1]  # the same event id: a duplicate to de-duplicate

    livekit.drop("egress_ended")
    second = recorder.segment_start(session=_session(), segment_ref=REF + "c")
    recorder.segment_stop(provider_ref=second)
    assert [e.kind for e in received if e.egress_id == second] == ["egress_started"]
    assert recorder.segment_status(provider_ref=second).status == "complete"  # reconcile finds it


@pytest.mark.parametrize(
    ("filename", "location", "key"),
    [
        ("harbor-egress/a.mp4", "", "harbor-egress/a.mp4"),
        ("a.mp4", "https://s3.example.org/BUCKET/harbor-egress/a.mp4", "harbor-egress/a.mp4"),
        ("a.mp4", "https://BUCKET.s3.example.org/harbor-egress/a%20b.mp4", "harbor-egress/a b.mp4"),
        ("other/a.mp4", "https://s3.example.org/BUCKET/other/a.mp4", None),
        ("", "https://s3.example.org/BUCKET/harbor-egress/../x", None),
    ],
)
def test_only_objects_under_harbors_prefix_are_read_or_deleted(settings, filename, location, key):
    from recordings.providers.livekit import _staged_key

    settings.LIVEKIT_EGRESS_S3_BUCKET, settings.LIVEKIT_EGRESS_S3_PREFIX = (
        "BUCKET",
        "harbor-egress/",
    )
    info = EgressInfo(egress_id="EG_1")
    info.file_results.append(FileInfo(filename=filename, location=location))

    assert _staged_key(info) == key
