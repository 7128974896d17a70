"""The consent rule, case by case (DESIGN invariant 4), with time moved: a recording runs only
while everyone present has agreed to its purpose; someone who has not joining ends the segment
(pause) before their join is acknowledged; their leaving or consenting starts a new one."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from iop.audit.models import AccessLog
from iop.consents.models import ConsentKind
from iop.domain import Conflict, NotAllowed
from recordings.models import (
    Recording,
    RecordingPurpose,
    RecordingSegment,
    RecordingState,
    SegmentState,
)
from recordings.providers.base import RoomEvent
from recordings.providers.registry import provider_named
from recordings.services import (
    recording_start,
    recording_stop,
    recordings_rule_tick,
    room_events_record,
    room_participant_joined,
    room_participant_left,
)
from sessions_app.models import AttendanceEventSource, EventKind
from sessions_app.services import attendance_event_record
from tests.conftest import sign_in
from tests.recordings.conftest import grant, withdraw

pytestmark = pytest.mark.django_db

QA = RecordingPurpose.QA


def joins(session, person, *, at=None, **kwargs):
    return room_participant_joined(
        session=session, user_id=person.pk, at=at or timezone.now(), **kwargs
    )


def leaves(session, person, *, at=None, **kwargs):
    return room_participant_left(
        session=session, user_id=person.pk, at=at or timezone.now(), **kwargs
    )


def segments(recording):
    return list(RecordingSegment.objects.filter(recording=recording).order_by("index"))


def at_provider(segment):
    return provider_named("local").segment_status(provider_ref=segment.provider_ref).status


def audit_details(recording=None):
    rows = AccessLog.objects.filter(object_type="recordings.Recording")
    if recording is not None:
        rows = rows.filter(object_id=str(recording.uuid))
    return list(rows.order_by("at", "id").values_list("detail", flat=True))


# --- starting ----------------------------------------------------------------------------------


def test_a_start_is_refused_naming_who_present_has_not_agreed(
    session, clinician, client_profile, jordan
):
    joins(session, client_profile.user)
    joins(session, jordan.user)

    with pytest.raises(Conflict) as refused:
        recording_start(actor=clinician, session=session, purpose=QA)

    assert refused.value.message == "Jordan Park has not agreed to recording for quality assurance"
    assert not Recording.objects.exists()
    row = AccessLog.objects.get(object_type="recordings.Recording")
    assert row.client_id == jordan.pk and row.actor_id == clinician.pk
    assert "start refused (qa): Jordan Park has not agreed" in row.detail


def test_everyone_present_agreeing_the_recording_starts_with_them_in_its_first_segment(
    session, clinician, client_profile
):
    joins(session, client_profile.user)
    joins(session, clinician)  # staff count as consenting

    recording = recording_start(actor=clinician, session=session, purpose=QA)

    assert recording.state == RecordingState.RECORDING and recording.provider == "local"
    assert recording.wrapped_key and recording.kek_id
    [first] = segments(recording)
    assert first.state == SegmentState.RECORDING and at_provider(first) == "active"
    assert {p.user_id for p in first.participant_rows.all()} == {
        client_profile.user_id,
        clinician.pk,
    }
    assert audit_details(recording) == ["started (qa)"]


# --- the rule while it runs --------------------------------------------------------------------


def test_a_join_without_consent_pauses_then_their_leave_starts_a_new_segment(
    session, clinician, client_profile, jordan
):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        joins(session, client_profile.user)
        recording = recording_start(actor=clinician, session=session, purpose=QA)

        clock.shift(timedelta(minutes=10))
        assert joins(session, jordan.user) == "paused"
        recording.refresh_from_db()
        assert recording.state == RecordingState.PAUSED
        [first] = segments(recording)
        assert first.state == SegmentState.STORING and at_provider(first) == "complete"
        assert first.ended_at == start + timedelta(minutes=10)
        assert "Jordan Park" in first.ended_reason
        assert not first.participant_rows.filter(user=jordan.user).exists()

        clock.shift(timedelta(minutes=5))
        assert leaves(session, jordan.user) == "resumed"
        recording.refresh_from_db()
        assert recording.state == RecordingState.RECORDING
        first, second = segments(recording)
        assert second.index == 1 and second.state == SegmentState.RECORDING
        assert second.started_at == start + timedelta(minutes=15)
        assert at_provider(second) == "active"
        assert {p.user_id for p in second.participant_rows.all()} == {client_profile.user_id}

    details = audit_details(recording)
    assert details[0] == "started (qa)"
    assert details[1].startswith(
        "paused: Recording paused: not everyone has agreed (Jordan Park — quality assurance)"
    )
    assert details[2] == "resumed (a leave)"
    paused = AccessLog.objects.get(object_id=str(recording.uuid), detail__startswith="paused")
    assert paused.client_id == jordan.pk


def test_a_join_through_harbor_ends_the_segment_before_the_room_address_is_given(
    session, clinician, client_profile, jordan
):
    joins(session, client_profile.user)
    recording = recording_start(actor=clinician, session=session, purpose=QA)
    [first] = segments(recording)

    seen: list[str] = []

    def after_recordings(**kwargs):
        # Registered after recordings' own listener: it runs once that one has returned,
        # still before the address is made and answered.
        first.refresh_from_db()
        seen.append(f"{first.state}/{at_provider(first)}")

    from sessions_app.services import room_listener_register, room_listener_unregister

    room_listener_register("test.after", after_recordings)
    try:
        response = sign_in(jordan.user).post(f"/sessions/{session.pk}/join/")
    finally:
        room_listener_unregister("test.after")

    assert response.status_code == 200
    assert response.json()["room_url"] == f"https://video.example.org/{session.room_name}"
    assert seen == ["storing/complete"]
    recording.refresh_from_db()
    assert recording.state == RecordingState.PAUSED


def test_a_join_the_session_page_records_pauses_too_and_its_leave_resumes(
    session, clinician, client_profile, jordan, django_capture_on_commit_callbacks
):
    joins(session, client_profile.user)
    recording = recording_start(actor=clinician, session=session, purpose=QA)

    def page(kind):
        with django_capture_on_commit_callbacks(execute=True):
            attendance_event_record(
                actor=jordan.user,
                session=session,
                client=jordan,
                kind=kind,
                source=AttendanceEventSource.PRESENCE,
            )
        recording.refresh_from_db()
        return recording.state

    assert page(EventKind.JOIN) == RecordingState.PAUSED
    assert page(EventKind.LEAVE) == RecordingState.RECORDING
    assert len(segments(recording)) == 2


def test_consenting_while_present_starts_a_new_segment_with_them_in_it(
    session, clinician, client_profile, jordan, django_capture_on_commit_callbacks
):
    joins(session, client_profile.user)
    recording = recording_start(actor=clinician, session=session, purpose=QA)
    joins(session, jordan.user)

    with django_capture_on_commit_callbacks(execute=True):
        grant(jordan, ConsentKind.RECORDING_QA, by=clinician)

    recording.refresh_from_db()
    assert recording.state == RecordingState.RECORDING
    first, second = segments(recording)
    assert first.state == SegmentState.STORING
    assert second.participant_rows.filter(user=jordan.user).exists()
    assert audit_details(recording)[-1] == "resumed (a consent change)"


def test_a_withdrawal_during_the_recording_pauses_it_at_once(
    session, clinician, client_profile, django_capture_on_commit_callbacks
):
    joins(session, client_profile.user)
    recording = recording_start(actor=clinician, session=session, purpose=QA)
    [first] = segments(recording)

    with django_capture_on_commit_callbacks(execute=True):
        withdraw(client_profile, ConsentKind.RECORDING_QA, by=clinician)

    recording.refresh_from_db()
    first.refresh_from_db()
    assert recording.state == RecordingState.PAUSED
    assert first.state == SegmentState.STORING and at_provider(first) == "complete"


def test_a_withdrawal_for_another_purpose_changes_nothing(
    session, clinician, client_profile, django_capture_on_commit_callbacks
):
    joins(session, client_profile.user)
    recording = recording_start(actor=clinician, session=session, purpose=QA)

    with django_capture_on_commit_callbacks(execute=True):
        withdraw(client_profile, ConsentKind.RECORDING_EDUCATION, by=clinician)

    recording.refresh_from_db()
    assert recording.state == RecordingState.RECORDING and len(segments(recording)) == 1


def test_someone_without_consent_already_in_the_room_holds_the_pause_when_another_leaves(
    session, clinician, client_profile, jordan, other_client_profile
):
    joins(session, client_profile.user)
    recording = recording_start(actor=clinician, session=session, purpose=QA)
    joins(session, jordan.user)
    joins(session, other_client_profile.user)  # no consent either

    assert leaves(session, jordan.user) == "held"
    assert leaves(session, other_client_profile.user) == "resumed"
    recording.refresh_from_db()
    assert recording.state == RecordingState.RECORDING


# --- events are hints --------------------------------------------------------------------------


def test_stale_out_of_order_and_repeated_events_change_nothing(
    session, clinician, client_profile, jordan
):
    start = timezone.now()
    joins(session, client_profile.user, at=start)
    recording = recording_start(actor=clinician, session=session, purpose=QA)

    joined = start + timedelta(minutes=2)
    assert joins(session, jordan.user, at=joined, provider="livekit", event_id="EV_1") == "paused"
    # The same webhook again, then a leave from before the join arriving late.
    assert joins(session, jordan.user, at=joined, provider="livekit", event_id="EV_1") == (
        "duplicate"
    )
    older = start + timedelta(minutes=1)
    assert leaves(session, jordan.user, at=older, provider="livekit", event_id="EV_0") == "stale"
    # A leave at the very instant of the join: the careful reading keeps them in the room.
    assert leaves(session, jordan.user, at=joined, provider="livekit", event_id="EV_2") == "stale"
    recording.refresh_from_db()
    assert recording.state == RecordingState.PAUSED and len(segments(recording)) == 1

    later = start + timedelta(minutes=3)
    assert leaves(session, jordan.user, at=later, provider="livekit", event_id="EV_3") == "resumed"


def test_a_providers_webhook_events_are_applied_by_room_and_once(
    session, clinician, client_profile, jordan
):
    joins(session, client_profile.user)
    recording = recording_start(actor=clinician, session=session, purpose=QA)
    now = timezone.now()
    event = RoomEvent(
        event_id="EV_join",
        kind="participant_joined",
        room_name=session.room_name,
        at=now,
        user_id=jordan.user_id,
    )
    unknown_room = RoomEvent("EV_x", "participant_joined", "harbor-nowhere", now, jordan.user_id)
    egress = RoomEvent("EV_e", "egress_updated", session.room_name, now, egress_id="EG_1")

    assert room_events_record(provider="livekit", events=[event, unknown_room, egress]) == 1
    assert room_events_record(provider="livekit", events=[event]) == 0
    recording.refresh_from_db()
    assert recording.state == RecordingState.PAUSED


# --- one at a time, stopping -------------------------------------------------------------------


def test_one_active_recording_per_session_by_the_service_and_the_database(
    session, clinician, client_profile
):
    recording = recording_start(actor=clinician, session=session, purpose=QA)

    with pytest.raises(Conflict) as twice:
        recording_start(actor=clinician, session=session, purpose=RecordingPurpose.THERAPEUTIC)
    assert twice.value.status == 409
    assert "already being recorded (quality assurance)" in twice.value.message

    with pytest.raises(IntegrityError), transaction.atomic():
        Recording.objects.create(
            session=session,
            purpose=RecordingPurpose.EDUCATION,
            provider="local",
            state=RecordingState.PAUSED,
            state_changed_at=timezone.now(),
            started_by=clinician,
            started_at=timezone.now(),
        )
    recording_stop(actor=clinician, recording=recording)
    again = recording_start(actor=clinician, session=session, purpose=RecordingPurpose.EDUCATION)
    assert again.pk != recording.pk


def test_stopping_ends_the_segment_and_stopping_again_says_so(session, clinician, client_profile):
    joins(session, client_profile.user)
    recording = recording_start(actor=clinician, session=session, purpose=QA)

    stopped = recording_stop(actor=clinician, recording=recording)
    assert stopped.state == RecordingState.STOPPED and stopped.stopped_by == clinician
    assert stopped.purge_due_at == stopped.stopped_at + timedelta(days=90)
    [first] = segments(recording)
    assert first.state == SegmentState.STORING and at_provider(first) == "complete"

    with pytest.raises(Conflict) as twice:
        recording_stop(actor=clinician, recording=recording)
    assert twice.value.message == "This recording is already stopped: there is nothing to stop."
    assert audit_details(recording) == [
        "started (qa)",
        "stopped: The facilitator stopped the recording.",
    ]


def test_a_paused_recording_stops_without_a_segment_to_end(
    session, clinician, client_profile, jordan
):
    joins(session, client_profile.user)
    recording = recording_start(actor=clinician, session=session, purpose=QA)
    joins(session, jordan.user)

    recording_stop(actor=clinician, recording=recording)

    recording.refresh_from_db()
    assert recording.state == RecordingState.STOPPED
    assert [s.state for s in segments(recording)] == [SegmentState.STORING]
    # A leave after the stop starts nothing.
    assert leaves(session, jordan.user) == "noted"


# --- who may ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who", ["other_clinician", "supervisor", "support_agent", "client_profile", "jordan"]
)
def test_only_the_sessions_facilitators_start_and_stop(request, session, clinician, who):
    person = request.getfixturevalue(who)
    person = getattr(person, "user", person)
    with pytest.raises(NotAllowed):
        recording_start(actor=person, session=session, purpose=QA)
    recording = recording_start(actor=clinician, session=session, purpose=QA)
    with pytest.raises(NotAllowed):
        recording_stop(actor=person, recording=recording)
    assert Recording.objects.get().state == RecordingState.RECORDING


def test_a_session_not_under_way_is_not_recorded(group, clinician):
    from tests.sessions_app.conftest import make_session

    later = make_session(group, starts_at=timezone.now() + timedelta(hours=3))
    with pytest.raises(Conflict, match="not under way"):
        recording_start(actor=clinician, session=later, purpose=QA)
    assert "start refused (qa): This session is not under way now." in audit_details()[0]


def test_a_bad_purpose_is_a_field_error(session, clinician):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as bad:
        recording_start(actor=clinician, session=session, purpose="gossip")
    assert "purpose" in bad.value.message_dict


# --- the safety net ----------------------------------------------------------------------------


def test_the_rule_tick_pauses_what_a_lost_consent_event_left_running(
    session, clinician, client_profile
):
    joins(session, client_profile.user)
    recording = recording_start(actor=clinician, session=session, purpose=QA)
    withdraw(client_profile, ConsentKind.RECORDING_QA, by=clinician)  # its receiver never runs

    assert recordings_rule_tick() == 1
    recording.refresh_from_db()
    assert recording.state == RecordingState.PAUSED
    assert recordings_rule_tick() == 0


def test_a_recording_left_running_after_its_session_stops_by_itself(
    session, clinician, client_profile
):
    joins(session, client_profile.user)
    recording = recording_start(actor=clinician, session=session, purpose=QA)

    with time_machine.travel(session.ends_at + timedelta(minutes=29)):
        assert recordings_rule_tick() == 0
    with time_machine.travel(session.ends_at + timedelta(minutes=31)):
        assert recordings_rule_tick() == 1
    recording.refresh_from_db()
    assert recording.state == RecordingState.STOPPED and recording.stopped_by is None
    assert audit_details(recording)[-1] == "stopped: The session had ended."


# --- someone not signed in through Harbor ---------------------------------------------------------

DIAL_IN = "sip_+15550100"


def test_a_start_with_someone_not_signed_in_through_harbor_present_is_refused(
    session, clinician, client_profile, jordan
):
    joins(session, client_profile.user)
    room_participant_joined(session=session, identity=DIAL_IN, at=timezone.now())

    with pytest.raises(Conflict) as refused:
        recording_start(actor=clinician, session=session, purpose=QA)
    assert refused.value.message == "Someone not signed in through Harbor is in the room"

    joins(session, jordan.user)
    with pytest.raises(Conflict) as refused:
        recording_start(actor=clinician, session=session, purpose=QA)
    assert refused.value.message == (
        "Jordan Park has not agreed to recording for quality assurance, "
        "and someone not signed in through Harbor is in the room"
    )
    assert not Recording.objects.exists()


def test_someone_not_signed_in_through_harbor_pauses_and_holds_the_pause_until_they_leave(
    session, clinician, client_profile, jordan, clock
):
    joins(session, client_profile.user)
    recording = recording_start(actor=clinician, session=session, purpose=QA)

    clock.shift(timedelta(seconds=5))
    outcome = room_participant_joined(session=session, identity=DIAL_IN, at=timezone.now())

    assert outcome == "paused"
    first = segments(recording)[0]
    assert first.state == SegmentState.STORING and at_provider(first) == "complete"
    assert first.ended_reason.startswith("Someone not signed in through Harbor joined")
    # Nobody they are: no client, and the segment never had them among its participants.
    assert {p.user_id for p in first.participant_rows.all()} == {client_profile.user_id}
    assert audit_details(recording)[-1] == (
        "paused: Recording paused: someone not signed in through Harbor is in the room"
    )
    # Jordan leaving changes nothing while the stranger is still there.
    clock.shift(timedelta(seconds=5))
    assert joins(session, jordan.user) == "held"
    assert leaves(session, jordan.user, at=timezone.now() + timedelta(seconds=1)) == "held"

    clock.shift(timedelta(seconds=5))
    assert room_participant_left(session=session, identity=DIAL_IN, at=timezone.now()) == (
        "resumed"
    )
    recording.refresh_from_db()
    assert recording.state == RecordingState.RECORDING and len(segments(recording)) == 2


def test_a_harbor_identity_naming_no_user_is_someone_not_signed_in(
    session, clinician, client_profile, clock
):
    from recordings.models import RoomPresence

    joins(session, client_profile.user)
    recording = recording_start(actor=clinician, session=session, purpose=QA)
    event = RoomEvent(
        "EV_ghost", "participant_joined", session.room_name, timezone.now(), user_id=987654
    )

    assert room_events_record(provider="livekit", events=[event]) == 1

    recording.refresh_from_db()
    assert recording.state == RecordingState.PAUSED
    row = RoomPresence.objects.get(session=session, user__isnull=True)
    assert row.identity == "harbor-user-987654" and row.present


def test_presence_keeps_one_row_per_person_by_the_database(session, client_profile):
    from recordings.models import RoomPresence

    room_participant_joined(session=session, identity=DIAL_IN, at=timezone.now())
    now = timezone.now()
    for duplicate in (
        {"identity": DIAL_IN},  # the same stranger twice
        {"user_id": client_profile.user_id, "identity": "x"},  # a user and an identity at once
        {},  # nobody
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            RoomPresence.objects.create(
                session=session, last_event_at=now, last_source="provider", **duplicate
            )
    assert RoomPresence.objects.count() == 1
