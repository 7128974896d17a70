"""LiveKit's webhooks at /hooks/recordings/livekit/, signed and sent by the LiveKit fake and read
by the real livekit-api WebhookReceiver: refused unsigned and changing nothing, taken once,
a non-consenter's join stopping the egress before the hook answers, egress events applied to
their segment whatever their order."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from livekit.api import AccessToken, VideoGrants
from livekit.protocol.egress import EgressInfo, EgressStatus
from livekit.protocol.models import ParticipantInfo, Room
from livekit.protocol.webhook import WebhookEvent

from iop.audit.models import AccessLog
from recordings.models import (
    ProviderEventSeen,
    Recording,
    RecordingSegment,
    RecordingState,
    RoomPresence,
    SegmentState,
)
from recordings.services import recording_stop, segment_store
from tests.conftest import sign_in
from tests.livekit_fake import sign_webhook, webhook_body
from tests.recordings.livekit_room import HOOK, deliver, post_webhook, recording_under_way

pytestmark = pytest.mark.django_db


def identity(profile) -> str:
    return f"harbor-user-{profile.user_id}"


def snapshot():
    """Everything a webhook could change."""
    return (
        list(Recording.objects.values_list("pk", "state", "alert")),
        list(
            RecordingSegment.objects.values_list("pk", "state", "provider_status", "store_due_at")
        ),
        RoomPresence.objects.count(),
        ProviderEventSeen.objects.count(),
        AccessLog.objects.count(),
    )


def joined_event(session, profile, event_id: str = "EV_join0001") -> WebhookEvent:
    from livekit.protocol.models import ParticipantInfo

    return WebhookEvent(
        id=event_id,
        event="participant_joined",
        created_at=int(timezone.now().timestamp()),
        room=Room(sid="RM_x", name=session.room_name),
        participant=ParticipantInfo(sid="PA_x", identity=identity(profile)),
    )


# --- refused: nothing changes ---------------------------------------------------------------------


def _wrong_key(body: bytes) -> dict[str, str]:
    return {"Authorization": sign_webhook(body, api_secret="another-secret-" + "x" * 40)}


def _tampered(body: bytes) -> tuple[dict[str, str], bytes]:
    headers = {"Authorization": sign_webhook(body)}
    return headers, body.replace(b"participant_joined", b"participant_left")


def _room_token(body: bytes) -> dict[str, str]:
    from tests.livekit_fake import API_KEY, API_SECRET

    token = (
        AccessToken(API_KEY, API_SECRET)
        .with_identity("harbor-user-1")
        .with_grants(VideoGrants(room_join=True, room="x"))
        .to_jwt()
    )  # ours, but with no body digest: a room token, not a webhook's signature
    return {"Authorization": token}


@pytest.mark.parametrize("how", ["missing", "wrong_key", "tampered", "room_token", "garbage"])
def test_a_webhook_not_signed_by_our_livekit_is_403_and_changes_nothing(
    how, live_session, livekit, hooked, clinician, client_profile, jordan
):
    recording, segment = recording_under_way(live_session, clinician, client_profile, livekit)
    body = webhook_body(joined_event(live_session, jordan))
    headers: dict[str, str] = {}
    if how == "wrong_key":
        headers = _wrong_key(body)
    elif how == "tampered":
        headers, body = _tampered(body)
    elif how == "room_token":
        headers = _room_token(body)
    elif how == "garbage":
        headers = {"Authorization": "Bearer not.a.jwt"}
    calls, before = list(livekit.methods()), snapshot()

    answer = post_webhook(headers, body)

    assert answer.status_code == 403
    error = answer.json()["error"]
    assert error["code"] == "rejected" and error["message"] and error["fields"] == {}
    assert snapshot() == before  # no presence, no event seen, no audit row, no state
    assert livekit.methods() == calls  # LiveKit was not asked anything
    recording.refresh_from_db()
    assert recording.state == RecordingState.RECORDING


@pytest.mark.parametrize("body", [b"not json at all", b"[]", b'{"event": 7}', b"\xff\xfe\x00"])
def test_a_signed_body_that_is_not_an_event_is_400_and_changes_nothing(
    body, live_session, livekit, clinician, client_profile
):
    recording_under_way(live_session, clinician, client_profile, livekit)
    before = snapshot()

    answer = post_webhook({"Authorization": sign_webhook(body)}, body)

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "malformed"
    assert snapshot() == before


def test_the_hook_takes_only_posts_and_needs_no_csrf_token(live_session, livekit):
    assert Client().get(HOOK).status_code == 405
    body = webhook_body(WebhookEvent(id="EV_room", event="room_started", room=Room(name="x")))
    csrf_checking = Client(enforce_csrf_checks=True)
    answer = post_webhook({"Authorization": sign_webhook(body)}, body, csrf_checking)
    assert answer.status_code == 200 and answer.json() == {"applied": 0}


def test_without_livekit_keys_every_webhook_is_refused(settings, live_session, livekit, jordan):
    body = webhook_body(joined_event(live_session, jordan))
    headers = {"Authorization": sign_webhook(body)}
    settings.LIVEKIT_API_KEY = settings.LIVEKIT_API_SECRET = ""
    assert post_webhook(headers, body).status_code == 403


# --- participants ---------------------------------------------------------------------------------


def test_a_non_consenter_joining_stops_the_egress_before_the_hook_answers(
    live_session, livekit, hooked, clinician, client_profile, jordan
):
    recording, segment = recording_under_way(live_session, clinician, client_profile, livekit)
    deliver(livekit)  # egress_started
    hooked.clear()

    livekit.participant(
        "participant_joined", room_name=live_session.room_name, identity=identity(jordan)
    )
    deliver(livekit)

    [answer] = hooked
    assert answer.status == 200 and answer.body == {"applied": 1}
    assert answer.methods_then[-1] == "StopEgress"  # reached LiveKit before the 200
    stop = livekit.calls[-1].request
    assert stop.egress_id == segment.provider_ref
    recording.refresh_from_db()
    segment.refresh_from_db()
    assert recording.state == RecordingState.PAUSED
    assert segment.state == SegmentState.STORING
    assert RoomPresence.objects.get(session=live_session, user_id=jordan.user_id).present

    # The egress's end (sent by the fake as it stopped) makes the file's storing due now.
    deliver(livekit)
    segment.refresh_from_db()
    assert segment.provider_status == "complete"
    assert segment_store(segment_id=segment.pk) == "stored"


@pytest.mark.parametrize(
    ("who", "kind"),
    [
        ("sip_+15550100", ParticipantInfo.Kind.SIP),  # a dial-in
        ("guest-from-elsewhere", ParticipantInfo.Kind.STANDARD),  # a token Harbor did not mint
        ("EG_notreally", ParticipantInfo.Kind.STANDARD),  # named like a recorder, but not one
        ("harbor-user-987654", ParticipantInfo.Kind.STANDARD),  # naming no Harbor user
    ],
)
def test_someone_not_signed_in_through_harbor_pauses_the_recording_until_they_leave(
    who, kind, live_session, livekit, hooked, clinician, client_profile, clock
):
    recording, segment = recording_under_way(live_session, clinician, client_profile, livekit)
    deliver(livekit)  # egress_started
    hooked.clear()
    clock.shift(timedelta(seconds=30))

    livekit.participant(
        "participant_joined", room_name=live_session.room_name, identity=who, kind=kind
    )
    deliver(livekit)

    joined = hooked[0]
    assert joined.status == 200 and joined.body == {"applied": 1}
    assert joined.methods_then[-1] == "StopEgress"  # the capture ended before the hook answered
    assert livekit.calls[-1].request.egress_id == segment.provider_ref
    recording.refresh_from_db()
    segment.refresh_from_db()
    assert recording.state == RecordingState.PAUSED and segment.state == SegmentState.STORING
    row = RoomPresence.objects.get(session=live_session, user__isnull=True)
    assert (row.identity, row.present, row.last_source) == (who, True, "provider")
    page = sign_in(clinician).get(f"/staff/sessions/{live_session.pk}/").content.decode()
    assert "Recording paused: someone not signed in through Harbor is in the room" in page

    clock.shift(timedelta(seconds=30))
    hooked.clear()
    livekit.participant("participant_left", room_name=live_session.room_name, identity=who)
    deliver(livekit)

    left = next(a for a in hooked if a.event == "participant_left")
    assert left.status == 200 and left.body == {"applied": 1}
    assert left.methods_then[-1] == "StartRoomCompositeEgress"
    recording.refresh_from_db()
    assert recording.state == RecordingState.RECORDING
    first, second = RecordingSegment.objects.filter(recording=recording).order_by("index")
    assert second.state == SegmentState.RECORDING and second.provider_ref != first.provider_ref
    assert not RoomPresence.objects.get(pk=row.pk).present


def test_the_egress_recorders_own_join_is_known_by_its_kind_and_changes_nothing(
    live_session, livekit, hooked, clinician, client_profile, clock
):
    recording, segment = recording_under_way(live_session, clinician, client_profile, livekit)
    deliver(livekit)  # egress_started
    hooked.clear()
    before, calls = snapshot(), list(livekit.methods())

    # LiveKit's recorder joins the room it records, as a participant of kind EGRESS.
    livekit.participant(
        "participant_joined",
        room_name=live_session.room_name,
        identity=segment.provider_ref,
        kind=ParticipantInfo.Kind.EGRESS,
    )
    deliver(livekit)

    assert [(a.status, a.body) for a in hooked] == [(200, {"applied": 0})]
    assert snapshot() == before and livekit.methods() == calls
    recording.refresh_from_db()
    assert recording.state == RecordingState.RECORDING

    # The same identity as an ordinary participant is not the recorder: it pauses.
    clock.shift(timedelta(seconds=5))
    livekit.participant(
        "participant_joined", room_name=live_session.room_name, identity=segment.provider_ref
    )
    deliver(livekit)
    recording.refresh_from_db()
    assert recording.state == RecordingState.PAUSED


def test_the_same_event_id_is_taken_once(
    live_session, livekit, hooked, clinician, client_profile, jordan
):
    recording, segment = recording_under_way(live_session, clinician, client_profile, livekit)
    deliver(livekit)
    hooked.clear()
    sent = livekit.participant(
        "participant_joined", room_name=live_session.room_name, identity=identity(jordan)
    )
    deliver(livekit)
    deliver(livekit)  # egress_ended of the paused segment
    before, calls = snapshot(), list(livekit.methods())

    livekit.resend(sent)  # LiveKit's retry: the same id and body
    deliver(livekit)

    assert [a.status for a in hooked][-1] == 200
    assert hooked[-1].body == {"applied": 0}
    assert snapshot() == before and livekit.methods() == calls
    assert ProviderEventSeen.objects.filter(event_id=sent.event.id).count() == 1


def test_the_same_egress_event_is_taken_once(
    live_session, livekit, hooked, clinician, client_profile
):
    recording, segment = recording_under_way(live_session, clinician, client_profile, livekit)
    [started] = deliver(livekit)
    assert hooked[-1].body == {"applied": 1}
    segment.refresh_from_db()
    assert segment.provider_status == "active"

    livekit.resend(started)
    deliver(livekit)

    assert hooked[-1].status == 200 and hooked[-1].body == {"applied": 0}
    assert ProviderEventSeen.objects.filter(event_id=started.event.id).count() == 1


# --- egress events ---------------------------------------------------------------------------------


def test_egress_ended_makes_a_waiting_segment_due_now(
    live_session, livekit, hooked, clinician, client_profile, django_capture_on_commit_callbacks
):
    livekit.complete_on_stop = False
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        recording, segment = recording_under_way(live_session, clinician, client_profile, livekit)
        recording_stop(actor=clinician, recording=recording)
        assert segment_store(segment_id=segment.pk) == "waiting"  # LiveKit still writing
        segment.refresh_from_db()
        assert segment.store_due_at == start + timedelta(seconds=10)

        livekit.finish(segment.provider_ref)
        with django_capture_on_commit_callbacks() as kicks:
            deliver(livekit)

        segment.refresh_from_db()
        assert segment.store_due_at == start and segment.provider_status == "complete"
        assert len(kicks) == 1  # the store task is kicked after commit
        assert segment_store(segment_id=segment.pk) == "stored"


def test_egress_ended_before_egress_started_leaves_the_segment_ended(
    live_session, livekit, hooked, clinician, client_profile
):
    recording, segment = recording_under_way(live_session, clinician, client_profile, livekit)
    recording_stop(actor=clinician, recording=recording)  # the fake ends the egress at once

    deliver(livekit, reverse=True)  # egress_ended first, then egress_started

    assert [(a.event, a.status) for a in hooked] == [
        ("egress_ended", 200),
        ("egress_started", 200),
    ]
    segment.refresh_from_db()
    recording.refresh_from_db()
    assert segment.provider_status == "complete"  # the late "started" does not undo the end
    assert segment.state == SegmentState.STORING and recording.state == RecordingState.STOPPED
    assert recording.alert == ""
    assert segment_store(segment_id=segment.pk) == "stored"


@pytest.mark.parametrize(
    "status, error",
    [(EgressStatus.EGRESS_FAILED, "encoder crashed"), (EgressStatus.EGRESS_ABORTED, "")],
)
def test_an_egress_failing_while_recording_fails_its_segment_tells_the_facilitator_and_goes_on(
    status, error, live_session, livekit, hooked, clinician, client_profile
):
    recording, segment = recording_under_way(live_session, clinician, client_profile, livekit)
    deliver(livekit)

    livekit.finish(segment.provider_ref, status=status, error=error)
    deliver(livekit)

    segment.refresh_from_db()
    recording.refresh_from_db()
    assert segment.state == SegmentState.FAILED and not segment.object_key
    assert segment.error == (error or "The recorder failed.")
    assert recording.alert.startswith("The recorder stopped reporting at ")
    assert recording.alert.endswith(
        f": {error or 'The recorder failed'}. Recording went on as a new segment."
    )
    # Everyone present still agrees: the rule starts a new segment (a new egress).
    assert recording.state == RecordingState.RECORDING
    second = RecordingSegment.objects.get(recording=recording, state=SegmentState.RECORDING)
    assert second.index == 1 and livekit.egresses[second.provider_ref]
    assert livekit.methods()[-1] == "StartRoomCompositeEgress"
    assert AccessLog.objects.filter(
        object_type="recordings.RecordingSegment", detail__startswith="segment 1 ended by"
    ).exists()
    assert segment_store(segment_id=segment.pk) == "skipped"  # never stored, never playable


def test_a_lost_egress_that_cannot_be_replaced_leaves_the_recording_paused_with_the_reason(
    live_session, livekit, hooked, clinician, client_profile
):
    from tests.livekit_fake import Fail

    recording, segment = recording_under_way(live_session, clinician, client_profile, livekit)
    livekit.fail(Fail("unavailable", "egress service down"))  # the new segment's start
    livekit.finish(segment.provider_ref, status=EgressStatus.EGRESS_FAILED, error="lost")
    deliver(livekit)

    recording.refresh_from_db()
    assert recording.state == RecordingState.PAUSED  # not silently "recording"
    assert recording.alert.startswith("Recording could not resume")
    assert not RecordingSegment.objects.filter(state=SegmentState.RECORDING).exists()


def _egress_event(kind: str, egress_id: str, room_name: str, event_id: str) -> WebhookEvent:
    return WebhookEvent(
        id=event_id,
        event=kind,
        created_at=int(timezone.now().timestamp()),
        room=Room(name=room_name),
        egress_info=EgressInfo(
            egress_id=egress_id, room_name=room_name, status=EgressStatus.EGRESS_FAILED
        ),
    )


def test_events_about_an_unknown_egress_or_another_room_change_nothing(
    live_session, livekit, hooked, clinician, client_profile
):
    recording, segment = recording_under_way(live_session, clinician, client_profile, livekit)
    deliver(livekit)
    before = snapshot()[:3]
    for event in (
        _egress_event("egress_ended", "EG_nobodyknows", live_session.room_name, "EV_1"),
        _egress_event("egress_ended", segment.provider_ref, "another-room-000000", "EV_2"),
        _egress_event("egress_updated", "EG_nobodyknows", "another-room-000000", "EV_3"),
    ):
        body = webhook_body(event)
        answer = post_webhook({"Authorization": sign_webhook(body)}, body)
        assert answer.status_code == 200 and answer.json() == {"applied": 0}

    assert snapshot()[:3] == before
    recording.refresh_from_db()
    assert recording.state == RecordingState.RECORDING and recording.alert == ""


def test_the_signature_is_the_sdks_over_the_exact_body(live_session, livekit):
    body = webhook_body(WebhookEvent(id="EV_x", event="room_finished", room=Room(name="x")))
    digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
    token = AccessToken(livekit.api_key, livekit.api_secret).with_sha256(digest).to_jwt()
    assert post_webhook({"Authorization": token}, body).status_code == 200
    assert post_webhook({"Authorization": token}, body + b" ").status_code == 403


# --- end to end: a real HTTP server, the fake's own webhooks, a real worker -----------------------


def _until(check, seconds: float = 20.0):
    """Wait for a worker's result (the only wait here: a real worker runs on its own time)."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("the worker did not get there in time")


@pytest.mark.django_db(transaction=True)
def test_end_to_end_a_join_pauses_and_the_ended_egress_is_stored_by_a_worker(
    live_server, live_session, livekit, run_worker, clinician, client_profile, jordan
):
    livekit.complete_on_stop = False  # the egress ends when the test says, as LiveKit's would
    livekit.webhook_to = f"{live_server.url}{HOOK}"
    recording, segment = recording_under_way(live_session, clinician, client_profile, livekit)

    with run_worker(("default",)):
        joined = livekit.participant(
            "participant_joined", room_name=live_session.room_name, identity=identity(jordan)
        )
        assert joined is not None and joined.answered == 200
        # The egress was stopped before the hook answered (the worker may have asked since).
        assert "StopEgress" in livekit.methods()
        recording.refresh_from_db()
        assert recording.state == RecordingState.PAUSED

        ended = livekit.finish(segment.provider_ref)  # egress_ended, signed, over HTTP
        assert ended.status == EgressStatus.EGRESS_COMPLETE
        assert livekit.sent[-1].event.event == "egress_ended" and livekit.sent[-1].answered == 200

        def stored() -> bool:
            segment.refresh_from_db()
            return segment.state == SegmentState.STORED

        _until(stored)
    assert segment.provider_status == "complete" and segment.object_key
