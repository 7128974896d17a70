"""The reconcile tick against the LiveKit fake's ListEgress: lost webhooks made up for, lost
captures ended, egresses Harbor does not know stopped, silence reported to the facilitator,
LiveKit down changing nothing until it is back."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connections, transaction
from django.utils import timezone
from livekit.protocol.egress import EgressStatus

from iop.audit.models import AccessLog
from iop.realtime.groups import user_group
from recordings.consent_rule import session_lock
from recordings.models import RecordingSegment, RecordingState, SegmentState
from recordings.providers.registry import provider_named
from recordings.services import (
    recording_stop,
    recordings_reconcile_tick,
    room_participant_joined,
    segment_store,
    segments_store_tick,
)
from recordings.tasks import recordings_reconcile_tick_task
from sessions_app.selectors import zone_of
from tests.conftest import sign_in
from tests.livekit_fake import Fail, Hang
from tests.recordings.livekit_room import recording_under_way
from tests.recordings.test_pages import receive

pytestmark = pytest.mark.django_db


def test_a_lost_egress_ended_is_made_up_for_and_the_segment_stored_now(
    live_session, livekit, clinician, client_profile, clock
):
    livekit.complete_on_stop = False
    recording, segment = recording_under_way(live_session, clinician, client_profile, livekit)
    recording_stop(actor=clinician, recording=recording)
    assert segment_store(segment_id=segment.pk) == "waiting"
    livekit.finish(segment.provider_ref)  # its egress_ended never reaches Harbor
    assert segments_store_tick() == 0  # not due yet: it would wait for the next look

    assert recordings_reconcile_tick() == 1

    segment.refresh_from_db()
    assert segment.store_due_at == timezone.now()
    assert segments_store_tick() == 1
    segment.refresh_from_db()
    assert segment.state == SegmentState.STORED


@pytest.mark.parametrize("how", ["failed", "missing", "limit"])
def test_a_recording_segment_whose_egress_ended_at_livekit_ends_and_the_rule_goes_on(
    how, live_session, livekit, clinician, client_profile, clock
):
    recording, segment = recording_under_way(live_session, clinician, client_profile, livekit)
    clock.shift(timedelta(seconds=40))
    if how == "failed":
        livekit.finish(segment.provider_ref, status=EgressStatus.EGRESS_FAILED, error="disk full")
    elif how == "limit":
        livekit.finish(segment.provider_ref, status=EgressStatus.EGRESS_LIMIT_REACHED)
    else:
        del livekit.egresses[segment.provider_ref]  # LiveKit restarted and forgot it

    assert recordings_reconcile_tick() == 1

    segment.refresh_from_db()
    recording.refresh_from_db()
    assert recording.alert.startswith("The recorder stopped reporting at ")
    if how == "limit":  # its file is whole: stored like any ended segment
        assert segment.state == SegmentState.STORING and segment.store_due_at == timezone.now()
        assert "time or size limit" in recording.alert
    else:
        assert segment.state == SegmentState.FAILED
        assert (
            segment.error
            == {"failed": "disk full", "missing": "LiveKit has no such recording."}[how]
        )
    # Not silently "recording": a new segment, a new egress.
    assert recording.state == RecordingState.RECORDING
    current = RecordingSegment.objects.get(recording=recording, state=SegmentState.RECORDING)
    assert current.index == 1 and current.provider_ref in livekit.egresses
    assert recordings_reconcile_tick() == 0  # nothing left to mend


def test_an_egress_harbor_does_not_know_is_stopped_and_audited(
    live_session, livekit, clinician, client_profile, clock
):
    recording, segment = recording_under_way(live_session, clinician, client_profile, livekit)
    stranger = provider_named("livekit").segment_start(
        session=live_session, segment_ref="someone0else0started"
    )

    assert recordings_reconcile_tick() == 1

    stops = [c.request.egress_id for c in livekit.calls if c.method == "StopEgress"]
    assert stops == [stranger]  # Harbor's own segment runs on
    assert livekit.egresses[stranger].status == EgressStatus.EGRESS_COMPLETE
    assert AccessLog.objects.filter(object_type="recordings.Egress", object_id=stranger).exists()
    segment.refresh_from_db()
    assert segment.state == SegmentState.RECORDING and segment.provider_status == "active"


def test_a_pause_whose_stop_was_lost_is_stopped_by_the_tick_and_its_media_discarded(
    live_session, livekit, clinician, client_profile, jordan, staging_s3, clock
):
    recording, segment = recording_under_way(live_session, clinician, client_profile, livekit)
    livekit.fail(Fail("unavailable", "try later"))  # the pause's StopEgress fails
    room_participant_joined(session=live_session, user_id=jordan.user_id, at=timezone.now())
    segment.refresh_from_db()
    assert segment.state == SegmentState.DISCARDED
    assert livekit.egresses[segment.provider_ref].status == EgressStatus.EGRESS_ACTIVE

    assert recordings_reconcile_tick() == 1

    assert livekit.egresses[segment.provider_ref].status == EgressStatus.EGRESS_COMPLETE
    assert staging_s3.keys() == []  # the file it wrote on stopping is gone too
    assert AccessLog.objects.filter(
        object_type="recordings.Egress", object_id=segment.provider_ref
    ).exists()


def test_an_egress_that_never_finishes_is_reported_on_the_staff_session_page(
    live_session, livekit, clinician, client_profile, clock, settings
):
    settings.RECORDING_EGRESS_SILENCE_SECONDS = 120
    livekit.complete_on_stop = False
    recording, segment = recording_under_way(live_session, clinician, client_profile, livekit)
    recording_stop(actor=clinician, recording=recording)  # the egress never ends after this
    clock.shift(timedelta(seconds=119))
    recordings_reconcile_tick()
    recording.refresh_from_db()
    assert recording.alert == ""

    clock.shift(timedelta(seconds=2))
    assert recordings_reconcile_tick() == 1

    recording.refresh_from_db()
    assert recording.alert.startswith("The recorder stopped reporting at ")
    assert "has not been finished" in recording.alert
    page = sign_in(clinician).get(f"/staff/sessions/{live_session.pk}/")
    assert page.status_code == 200
    assert recording.alert in page.content.decode()
    assert AccessLog.objects.filter(detail__startswith="alert: The recorder stopped").count() == 1
    recordings_reconcile_tick()  # told once
    assert AccessLog.objects.filter(detail__startswith="alert: The recorder stopped").count() == 1


@pytest.mark.parametrize("fault", ["fail", "hang"])
def test_livekit_down_during_the_tick_changes_nothing_and_the_next_tick_mends(
    fault, live_session, livekit, clinician, client_profile, clock, settings
):
    settings.LIVEKIT_API_TIMEOUT_SECONDS = 1
    recording, segment = recording_under_way(live_session, clinician, client_profile, livekit)
    livekit.finish(segment.provider_ref, status=EgressStatus.EGRESS_FAILED, error="gone")
    livekit.fail(Fail("unavailable", "down") if fault == "fail" else Hang(3))

    assert recordings_reconcile_tick_task() == 0  # no exception

    segment.refresh_from_db()
    assert segment.state == SegmentState.RECORDING
    assert recordings_reconcile_tick() == 1
    segment.refresh_from_db()
    assert segment.state == SegmentState.FAILED


def test_livekit_down_for_longer_than_the_silence_tells_the_facilitator(
    live_session,
    livekit,
    clinician,
    client_profile,
    clock,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.RECORDING_EGRESS_SILENCE_SECONDS = 120
    recording, segment = recording_under_way(live_session, clinician, client_profile, livekit)
    assert recordings_reconcile_tick() == 0  # heard: active
    heard = timezone.now()
    clock.shift(timedelta(seconds=121))
    livekit.fail(Fail("unavailable", "down"))
    layer = get_channel_layer()
    staff = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(user_group(clinician.pk), staff)

    with django_capture_on_commit_callbacks(execute=True):
        assert recordings_reconcile_tick() == 1

    recording.refresh_from_db()
    local = timezone.localtime(heard, zone_of(live_session.program))
    assert recording.alert == f"The recorder stopped reporting at {local:%H:%M}."
    told = receive(layer, staff)
    assert told["event"] == "recording.changed"
    assert told["payload"]["alert"] == recording.alert
    assert recording.state == RecordingState.RECORDING  # Harbor cannot know more: it says so

    clock.shift(timedelta(seconds=30))  # LiveKit is back and still recording
    assert recordings_reconcile_tick() == 1
    recording.refresh_from_db()
    assert recording.alert == "" and recording.state == RecordingState.RECORDING
    assert AccessLog.objects.filter(detail="alert taken back").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_room_whose_lock_is_held_by_a_join_is_left_for_the_next_tick(
    live_session, livekit, clinician, client_profile
):
    recording, segment = recording_under_way(live_session, clinician, client_profile, livekit)
    livekit.finish(segment.provider_ref, status=EgressStatus.EGRESS_FAILED, error="gone")
    held, release = threading.Event(), threading.Event()

    def a_join_in_progress():
        try:
            with transaction.atomic():
                session_lock(live_session.pk)
                held.set()
                release.wait(10)
        finally:
            connections.close_all()

    worker = threading.Thread(target=a_join_in_progress)
    worker.start()
    try:
        assert held.wait(10)
        assert recordings_reconcile_tick() == 0
        segment.refresh_from_db()
        assert segment.state == SegmentState.RECORDING
    finally:
        release.set()
        worker.join()
    assert recordings_reconcile_tick() == 1


def test_storage_failing_mid_upload_fails_the_segment_with_nothing_stored_or_playable(
    live_session, livekit, clinician, client_profile, staging_s3, settings, tmp_path
):
    """The storage half of "storage failing mid-upload" for a LiveKit segment (the vault's own
    tests: test_vault.py and test_vault_s3.py; the local recorder's: test_storing.py)."""
    from recordings.selectors import segments_playable_for

    folder = tmp_path / "full-disk"
    settings.RECORDING_CHUNK_BYTES = 64 * 1024
    settings.STORAGES = {
        **settings.STORAGES,
        "recordings": {
            "BACKEND": "tests.recordings.test_vault.DiskFillsUp",  # full after two chunks
            "OPTIONS": {"location": str(folder)},
        },
    }
    livekit.complete_on_stop = False
    recording, segment = recording_under_way(live_session, clinician, client_profile, livekit)
    recording_stop(actor=clinician, recording=recording)
    livekit.finish(segment.provider_ref, media=bytes(range(256)) * 4096)  # 1 MiB

    assert segment_store(segment_id=segment.pk) == "failed"

    segment.refresh_from_db()
    recording.refresh_from_db()
    assert segment.state == SegmentState.FAILED and segment.object_key == ""
    assert segment.error.startswith("Storage failed") and segment.plaintext_size is None
    assert not folder.exists() or list(folder.iterdir()) == []  # no half-written object
    assert recording.alert.startswith("Part 1 of the recording could not be stored")
    assert segments_playable_for(clinician, recording, recording.purpose) == []
    assert segment_store(segment_id=segment.pk) == "skipped"
    assert staging_s3.keys() == []  # nor a plaintext copy left in staging


def test_beat_runs_the_reconcile_every_thirty_seconds(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["recordings-reconcile-tick"]
    assert entry["task"] == recordings_reconcile_tick_task.name
    assert entry["schedule"] == 30.0 and entry["options"]["expires"] < 30


# --- who is in the room: LiveKit's participant list (ListParticipants) ------------------------------


@pytest.mark.parametrize("who", ["jordan", "dial-in"])
def test_a_lost_join_webhook_is_caught_by_the_tick_and_a_lost_leave_after_the_grace(
    who, live_session, livekit, clinician, client_profile, jordan, clock
):
    from livekit.protocol.models import ParticipantInfo

    from recordings.models import RoomPresence

    recording, segment = recording_under_way(live_session, clinician, client_profile, livekit)
    assert recordings_reconcile_tick() == 0  # Casey and the egress recorder: as Harbor has it
    identity, kind = (
        (f"harbor-user-{jordan.user_id}", ParticipantInfo.Kind.STANDARD)
        if who == "jordan"
        else ("sip_+15550100", ParticipantInfo.Kind.SIP)
    )
    clock.shift(timedelta(seconds=20))
    livekit.drop("participant_joined")  # their join reaches LiveKit's room, not Harbor
    livekit.participant(
        "participant_joined", room_name=live_session.room_name, identity=identity, kind=kind
    )

    assert recordings_reconcile_tick() == 1

    recording.refresh_from_db()
    segment.refresh_from_db()
    assert recording.state == RecordingState.PAUSED
    assert segment.state == SegmentState.STORING
    assert segment.ended_reason.endswith("(the room's participant list).")
    assert livekit.egresses[segment.provider_ref].status == EgressStatus.EGRESS_COMPLETE
    row = RoomPresence.objects.get(session=live_session, present=True, last_source="reconcile")
    assert (row.user_id, row.identity) == (
        (jordan.user_id, "") if who == "jordan" else (None, identity)
    )
    assert recordings_reconcile_tick() == 0  # told once

    # They leave, and that webhook is lost too: the list says so, once Harbor's word on them is
    # older than the grace (so a join LiveKit has not listed yet is never taken back).
    livekit.drop("participant_left")
    livekit.participant("participant_left", room_name=live_session.room_name, identity=identity)
    clock.shift(timedelta(seconds=59))
    assert recordings_reconcile_tick() == 0
    recording.refresh_from_db()
    assert recording.state == RecordingState.PAUSED

    clock.shift(timedelta(seconds=2))
    assert recordings_reconcile_tick() == 1

    recording.refresh_from_db()
    assert recording.state == RecordingState.RECORDING
    current = RecordingSegment.objects.get(recording=recording, state=SegmentState.RECORDING)
    assert current.index == 1 and current.provider_ref in livekit.egresses
    assert not RoomPresence.objects.get(pk=row.pk).present


def test_a_join_through_harbor_that_never_reaches_the_room_is_taken_back_after_the_grace(
    live_session, livekit, clinician, client_profile, jordan, clock
):
    recording, segment = recording_under_way(live_session, clinician, client_profile, livekit)
    # Jordan is given the room's address (Harbor counts them: paused) but never connects.
    assert room_participant_joined(
        session=live_session, user_id=jordan.user_id, at=timezone.now(), source="harbor"
    ) == ("paused")
    clock.shift(timedelta(seconds=30))
    assert recordings_reconcile_tick() == 0
    recording.refresh_from_db()
    assert recording.state == RecordingState.PAUSED

    clock.shift(timedelta(seconds=31))
    assert recordings_reconcile_tick() == 1
    recording.refresh_from_db()
    assert recording.state == RecordingState.RECORDING


def test_a_room_livekit_does_not_know_is_empty(
    live_session, livekit, clinician, client_profile, clock
):
    from recordings.models import RoomPresence

    recording, segment = recording_under_way(live_session, clinician, client_profile, livekit)
    livekit.rooms.pop(live_session.room_name)  # LiveKit answers "not found"
    clock.shift(timedelta(minutes=5))

    assert recordings_reconcile_tick() == 1  # Casey is no longer in the room

    assert not RoomPresence.objects.get(user_id=client_profile.user_id).present
    assert livekit.calls[-1].method == "ListParticipants"
    recording.refresh_from_db()
    assert recording.state == RecordingState.RECORDING  # nobody present lacks consent


def test_livekit_not_answering_for_its_participants_changes_nothing_until_it_does(
    live_session, livekit, clinician, client_profile, clock
):
    from livekit.protocol.models import ParticipantInfo

    recording, segment = recording_under_way(live_session, clinician, client_profile, livekit)
    livekit.room_join(live_session.room_name, "sip_+15550100", kind=ParticipantInfo.Kind.SIP)
    livekit.fail(Fail("unavailable", "down", method="ListParticipants"))

    assert recordings_reconcile_tick() == 0  # no exception; ListEgress still compared

    recording.refresh_from_db()
    assert recording.state == RecordingState.RECORDING
    assert recordings_reconcile_tick() == 1
    recording.refresh_from_db()
    assert recording.state == RecordingState.PAUSED
