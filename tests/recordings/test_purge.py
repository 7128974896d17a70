"""Retention and purge: the data key is destroyed first (crypto-shredding), then the objects;
a tombstone and an audit row stay; a legal hold stops the purge."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.db import connection, transaction
from django.utils import timezone

from iop.audit.models import AccessLog, Action
from iop.domain import NotAllowed
from recordings import crypto, vault
from recordings.models import (
    Recording,
    RecordingPurpose,
    RecordingRetention,
    RecordingSegment,
    RecordingState,
    SegmentState,
)
from recordings.providers.local import wav_stream
from recordings.services import (
    recording_legal_hold_set,
    recording_retention_set,
    recording_start,
    recording_stop,
    recordings_purge_tick,
    room_participant_joined,
    segment_store,
)
from recordings.services.segments import data_key_for
from recordings.tasks import recordings_purge_tick_task
from tests.factories import ProgramFactory, StaffFactory

pytestmark = pytest.mark.django_db


class FlakyStorage(FileSystemStorage):
    """The filesystem, whose deletes fail while `failing` is set (a storage outage)."""

    failing = False

    def delete(self, name):
        if FlakyStorage.failing:
            raise OSError("the storage is down")
        super().delete(name)


@pytest.fixture(autouse=True)
def media_dir(settings, tmp_path):
    FlakyStorage.failing = False
    settings.STORAGES = {
        **settings.STORAGES,
        "recordings": {
            "BACKEND": f"{__name__}.FlakyStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    yield tmp_path / "media"
    FlakyStorage.failing = False


def stored_recording(session, clinician, client_profile, clock) -> Recording:
    """A QA recording made through the pipeline, stopped, its one segment stored encrypted."""
    room_participant_joined(session=session, user_id=client_profile.user_id, at=timezone.now())
    recording = recording_start(actor=clinician, session=session, purpose=RecordingPurpose.QA)
    clock.shift(timedelta(seconds=3))
    recording_stop(actor=clinician, recording=recording)
    segment = RecordingSegment.objects.get(recording=recording)
    assert segment_store(segment_id=segment.pk) == "stored"
    recording.refresh_from_db()
    return recording


def quick_recording(session, clinician, *, due_in: timedelta, **fields) -> Recording:
    """A stopped recording with one stored segment, made directly (for the many-recordings cases)."""
    now = timezone.now()
    values = {
        "session": session,
        "purpose": RecordingPurpose.QA,
        "provider": "local",
        "state": RecordingState.STOPPED,
        "state_changed_at": now,
        "started_by": clinician,
        "started_at": now - timedelta(days=91),
        "stopped_at": now - timedelta(days=91),
        "purge_due_at": now + due_in,
    }
    recording = Recording(**{**values, **fields})
    data_key_for(recording)
    recording.save()
    key = crypto.WrappedKey(kek_id=recording.kek_id, wrapped=bytes(recording.wrapped_key or b""))
    segment = RecordingSegment(
        recording=recording, index=0, started_at=now, state=SegmentState.STORED
    )
    stored = vault.media_write(key=key, aad=segment.aad, chunks=wav_stream(0.25))
    segment.object_key = stored.object_key
    segment.plaintext_size = stored.plaintext_size
    segment.ciphertext_size = stored.ciphertext_size
    segment.chunk_size = stored.chunk_size
    segment.stored_at = now
    segment.save()
    return recording


def read(recording: Recording, segment: RecordingSegment) -> bytes:
    key = crypto.WrappedKey(kek_id=recording.kek_id, wrapped=bytes(recording.wrapped_key or b""))
    media = vault.StoredMedia(
        object_key=segment.object_key,
        plaintext_size=segment.plaintext_size or 0,
        ciphertext_size=segment.ciphertext_size or 0,
        chunk_size=segment.chunk_size or 1,
    )
    return b"".join(vault.media_read(key=key, aad=segment.aad, media=media))


def objects_in(folder) -> list[str]:
    return [p.name for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def test_a_due_recording_loses_its_key_first_then_its_objects_and_leaves_a_tombstone(
    session, clinician, client_profile, clock, media_dir
):
    recording = stored_recording(session, clinician, client_profile, clock)
    segment = RecordingSegment.objects.get(recording=recording)
    # What a backup of the database taken before the purge still holds: the wrapped key.
    backup = Recording(uuid=recording.uuid, kek_id=recording.kek_id)
    backup.wrapped_key = bytes(recording.wrapped_key)
    backup_segment = RecordingSegment.objects.get(pk=segment.pk)
    backup_segment.recording = backup
    assert read(backup, backup_segment).startswith(b"RIFF")
    assert recording.purge_due_at == recording.stopped_at + timedelta(days=90)

    clock.shift(timedelta(days=90, seconds=1))
    FlakyStorage.failing = True  # the objects cannot be deleted yet: the key goes anyway
    assert recordings_purge_tick() == 1

    recording.refresh_from_db()
    segment.refresh_from_db()
    assert recording.wrapped_key is None and recording.kek_id == ""
    assert recording.state == RecordingState.PURGED and recording.purged_at == timezone.now()
    assert segment.state == SegmentState.PURGED
    assert segment.object_key and objects_in(media_dir) == [segment.object_key]
    with pytest.raises(crypto.DataKeyUnavailable):
        read(recording, segment)
    audit = AccessLog.objects.get(
        object_type="recordings.Recording", object_id=str(recording.uuid), action=Action.DELETE
    )
    assert audit.detail == "purged after 90 days: key destroyed" and audit.actor is None

    # The storage is back: a later tick deletes what is left; nothing is purged twice.
    FlakyStorage.failing = False
    clock.shift(timedelta(minutes=1))
    assert recordings_purge_tick() == 0
    segment.refresh_from_db()
    assert segment.object_key == "" and objects_in(media_dir) == []
    assert Recording.objects.filter(pk=recording.pk).exists()  # the tombstone stays
    assert (
        AccessLog.objects.filter(object_id=str(recording.uuid), action=Action.DELETE).count() == 1
    )
    # Even with the wrapped key from a backup, the object itself is gone.
    with pytest.raises(vault.MediaTampered):
        read(backup, backup_segment)


def test_not_due_held_and_running_recordings_are_left_alone(session, clinician, clock):
    not_due = quick_recording(session, clinician, due_in=timedelta(hours=1))
    held = quick_recording(
        session,
        clinician,
        due_in=-timedelta(days=1),
        legal_hold=True,
        legal_hold_reason="Subpoena 2026-114",
    )
    running = quick_recording(
        session, clinician, due_in=-timedelta(days=1), state=RecordingState.RECORDING
    )
    due = quick_recording(session, clinician, due_in=-timedelta(seconds=1))

    assert recordings_purge_tick() == 1

    for recording in (not_due, held, running):
        recording.refresh_from_db()
        assert recording.purged_at is None and recording.wrapped_key is not None
        segment = recording.segments.get()
        assert read(recording, segment).startswith(b"RIFF")
    due.refresh_from_db()
    assert due.purged_at is not None


def test_a_legal_hold_stops_the_purge_and_releasing_it_lets_the_next_tick_purge(
    session, clinician, clock, admin_user
):
    admin = admin_user
    recording = quick_recording(session, clinician, due_in=-timedelta(days=3))

    recording_legal_hold_set(
        actor=admin, recording=recording, hold=True, reason="Litigation hold, case 44"
    )
    assert recordings_purge_tick() == 0
    recording.refresh_from_db()
    assert recording.legal_hold and recording.legal_hold_reason == "Litigation hold, case 44"
    assert recording.wrapped_key is not None

    recording_legal_hold_set(actor=admin, recording=recording, hold=False, reason="")
    assert recordings_purge_tick() == 1
    recording.refresh_from_db()
    assert recording.purged_at is not None and not recording.legal_hold
    details = list(
        AccessLog.objects.filter(object_id=str(recording.uuid))
        .order_by("pk")
        .values_list("detail", flat=True)
    )
    assert details[0] == "legal hold placed: Litigation hold, case 44"
    assert details[1].startswith("legal hold released")
    assert details[2] == "purged after 91 days: key destroyed"


def test_who_may_hold_and_what_a_hold_needs(session, clinician, clock, supervisor):
    recording = quick_recording(session, clinician, due_in=timedelta(days=3))
    other_supervisor = StaffFactory(
        role="supervisor", profile__program=ProgramFactory(name="Elsewhere")
    )

    with pytest.raises(NotAllowed):
        recording_legal_hold_set(actor=clinician, recording=recording, hold=True, reason="x")
    with pytest.raises(NotAllowed):
        recording_legal_hold_set(actor=other_supervisor, recording=recording, hold=True, reason="x")
    with pytest.raises(ValidationError) as error:
        recording_legal_hold_set(actor=supervisor, recording=recording, hold=True, reason="  ")
    assert "reason" in error.value.message_dict
    recording.refresh_from_db()
    assert not recording.legal_hold

    recording_legal_hold_set(actor=supervisor, recording=recording, hold=True, reason="Complaint")
    recording.refresh_from_db()
    assert recording.legal_hold


def test_a_purged_recording_cannot_be_held(session, clinician, clock, admin_user):
    admin = admin_user
    recording = quick_recording(session, clinician, due_in=-timedelta(days=1))
    recordings_purge_tick()

    with pytest.raises(ValidationError):
        recording_legal_hold_set(actor=admin, recording=recording, hold=True, reason="Too late")


def test_segments_never_stored_are_discarded_at_the_provider_and_never_stored_after(
    session, clinician, client_profile, clock
):
    from recordings.providers.registry import provider_named

    room_participant_joined(session=session, user_id=client_profile.user_id, at=timezone.now())
    recording = recording_start(actor=clinician, session=session, purpose=RecordingPurpose.QA)
    clock.shift(timedelta(seconds=2))
    recording_stop(actor=clinician, recording=recording)  # its segment waits to be stored
    segment = recording.segments.get()
    assert segment.state == SegmentState.STORING
    local = provider_named("local")
    assert local.segment_status(provider_ref=segment.provider_ref).status == "complete"

    clock.shift(timedelta(days=91))
    assert recordings_purge_tick() == 1

    segment.refresh_from_db()
    assert segment.state == SegmentState.PURGED and segment.store_due_at is None
    assert local.segment_status(provider_ref=segment.provider_ref).status == "failed"  # gone
    assert segment_store(segment_id=segment.pk) == "skipped"
    assert segment.object_key == ""


def test_the_task_purges_batch_after_batch(session, clinician, clock, monkeypatch):
    import recordings.tasks

    monkeypatch.setattr(recordings.tasks, "PURGE_BATCH", 2)
    for _ in range(5):
        quick_recording(session, clinician, due_in=-timedelta(minutes=1))

    assert recordings_purge_tick_task() == 5
    assert not Recording.objects.filter(purged_at__isnull=True).exists()
    assert not RecordingSegment.objects.exclude(object_key="").exists()


def test_the_tick_takes_few_queries_per_recording(
    session, clinician, clock, django_assert_max_num_queries
):
    for _ in range(20):
        quick_recording(session, clinician, due_in=-timedelta(minutes=1))

    with django_assert_max_num_queries(20):
        assert recordings_purge_tick() == 20


# -- retention ------------------------------------------------------------------------------------


def test_retention_set_moves_the_purge_dates_of_that_purpose_only(
    session, clinician, clock, admin_user
):
    admin = admin_user
    qa = quick_recording(session, clinician, due_in=timedelta(days=1))
    education = quick_recording(session, clinician, due_in=timedelta(days=1))
    Recording.objects.filter(pk=education.pk).update(purpose=RecordingPurpose.EDUCATION)
    purged = quick_recording(session, clinician, due_in=-timedelta(days=1))
    recordings_purge_tick()
    purged.refresh_from_db()

    retention = recording_retention_set(actor=admin, purpose=RecordingPurpose.QA, days=30)

    assert retention.days == 30
    assert RecordingRetention.objects.get(purpose=RecordingPurpose.QA).days == 30
    qa.refresh_from_db()
    education.refresh_from_db()
    assert qa.purge_due_at == qa.stopped_at + timedelta(days=30)
    assert education.purge_due_at == timezone.now() + timedelta(days=1)
    assert Recording.objects.get(pk=purged.pk).purge_due_at == purged.purge_due_at
    assert AccessLog.objects.filter(
        object_type="recordings.RecordingRetention", detail__startswith="retention of qa"
    ).exists()
    # Now past its new date: the next tick purges it.
    assert recordings_purge_tick() == 1


@pytest.mark.parametrize("days", [0, -1, 3651, "30", True])
def test_retention_set_refuses_days_outside_one_to_3650(days, admin_user):
    with pytest.raises(ValidationError) as error:
        recording_retention_set(actor=admin_user, purpose=RecordingPurpose.QA, days=days)
    assert "days" in error.value.message_dict


def test_retention_set_is_for_administrators_only(supervisor, admin_user):
    with pytest.raises(NotAllowed):
        recording_retention_set(actor=supervisor, purpose=RecordingPurpose.QA, days=10)
    with pytest.raises(ValidationError):
        recording_retention_set(actor=admin_user, purpose="gossip", days=10)


# -- concurrency ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_ticks_at_once_never_purge_the_same_recording(session, clinician):
    made = [quick_recording(session, clinician, due_in=-timedelta(minutes=1)) for _ in range(40)]
    counts: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def tick() -> None:
        try:
            start.wait()
            counts.append(recordings_purge_tick(batch=25))
            counts.append(recordings_purge_tick(batch=25))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    assert sum(counts) == len(made)
    uuids = [str(r.uuid) for r in made]
    assert AccessLog.objects.filter(object_id__in=uuids, action=Action.DELETE).count() == len(made)
    assert not RecordingSegment.objects.exclude(object_key="").exists()


@pytest.mark.django_db(transaction=True)
def test_a_recording_locked_elsewhere_is_skipped_not_waited_for(session, clinician):
    locked = quick_recording(session, clinician, due_in=-timedelta(minutes=1))
    free = quick_recording(session, clinician, due_in=-timedelta(minutes=1))
    result: list[int] = []

    def tick() -> None:
        try:
            result.append(recordings_purge_tick())
        finally:
            connection.close()

    with transaction.atomic():
        Recording.objects.select_for_update().get(pk=locked.pk)
        thread = threading.Thread(target=tick)
        thread.start()
        thread.join(timeout=20)
        assert not thread.is_alive()

    assert result == [1]
    locked.refresh_from_db()
    free.refresh_from_db()
    assert locked.purged_at is None and free.purged_at is not None
    assert recordings_purge_tick() == 1
