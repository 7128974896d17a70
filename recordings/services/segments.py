"""Segments: opened and ended with the provider under the session's recording lock, then
stored encrypted by a worker (`segment_store`), never half-stored.

A segment that ends is `storing` with `store_due_at` as its timer: the worker is kicked after
commit, and the store tick picks up any the kick missed (DESIGN invariant 3). Storing claims the
row by moving the timer forward (a lease), streams the provider's media through the vault, and
only then marks the segment stored; any failure leaves it failed with nothing stored.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from iop.audit.models import Action
from iop.audit.services import access_record
from recordings.models import (
    Recording,
    RecordingPurpose,
    RecordingSegment,
    SegmentParticipant,
    SegmentState,
)
from recordings.providers.base import RecordingProvider, RecordingUnavailable
from recordings.providers.registry import provider_named
from recordings.services.catch_up import catch_up_after_commit

if TYPE_CHECKING:
    from recordings.vault import StoredMedia

log = logging.getLogger(__name__)

STORE_LEASE = timedelta(minutes=20)  # how long one worker's attempt holds the segment
STORE_WAIT = timedelta(seconds=10)  # the provider is still finishing the file: look again
MAX_STORE_ATTEMPTS = 30  # ~5 minutes of waiting for a provider that never finishes


def participants_add(segment: RecordingSegment, user_ids: Iterable[int], at: datetime) -> None:
    """Everyone present during the segment is one of its participants (once)."""
    SegmentParticipant.objects.bulk_create(
        [SegmentParticipant(segment=segment, user_id=uid, joined_at=at) for uid in set(user_ids)],
        ignore_conflicts=True,
    )


def segment_open(
    recording: Recording,
    provider: RecordingProvider,
    *,
    session: object,
    present: Iterable[int],
    now: datetime,
) -> RecordingSegment:
    """Start capturing a new segment; raises RecordingUnavailable when the provider cannot."""
    index = recording.segments.count()
    provider_ref = provider.segment_start(session=session, segment_ref=uuid.uuid4().hex)
    segment = RecordingSegment.objects.create(
        recording=recording,
        index=index,
        started_at=now,
        provider_ref=provider_ref,
        content_type=provider.content_type,
    )
    participants_add(segment, present, now)
    return segment


def segment_end(
    recording: Recording,
    segment: RecordingSegment,
    provider: RecordingProvider,
    *,
    reason: str,
    now: datetime,
    unsafe: bool,
) -> None:
    """Stop capturing now. When the stop fails and the room may hold someone who has not agreed
    (`unsafe`), the segment is discarded: its media is never stored. Otherwise storing retries
    the stop."""
    try:
        provider.segment_stop(provider_ref=segment.provider_ref)
        stopped = True
    except Exception as error:  # noqa: BLE001 - any provider fault is handled the same way
        log.warning("the recorder did not stop segment %s: %r", segment.pk, error)
        stopped = False
    segment.ended_at = now
    segment.ended_reason = reason[:300]
    if stopped or not unsafe:
        segment.state = SegmentState.STORING
        segment.store_due_at = now
        segment.save(update_fields=["ended_at", "ended_reason", "state", "store_due_at"])
        transaction.on_commit(partial(_kick_store, segment.pk))
        return
    segment.state = SegmentState.DISCARDED
    segment.error = "The recorder could not be stopped in time; the segment is discarded."
    segment.save(update_fields=["ended_at", "ended_reason", "state", "error"])
    recording.alert = (
        "The recorder could not be stopped when someone who has not agreed joined; "
        "that segment was discarded and will never be stored."
    )
    recording.alert_at = now
    recording.save(update_fields=["alert", "alert_at"])
    transaction.on_commit(partial(_discard_at_provider, recording.provider, segment.provider_ref))


def _kick_store(segment_id: int) -> None:
    from recordings.tasks import segment_store_task

    try:
        segment_store_task.apply_async(args=(segment_id,), retry=False)
    except Exception:  # noqa: BLE001 - the broker may be down; the store tick finds the row
        log.warning("could not hand segment %s to a worker; the store tick will", segment_id)


def _discard_at_provider(provider_name: str, provider_ref: str) -> None:
    try:
        provider = provider_named(provider_name)
        provider.segment_stop(provider_ref=provider_ref)
        provider.segment_media_discard(provider_ref=provider_ref)
    except Exception:  # noqa: BLE001 - logged for the reconcile to finish
        log.exception("could not stop and discard %s at the provider", provider_ref)


def _claim(segment_id: int, now: datetime) -> RecordingSegment | None:
    """Take the segment for one attempt (its timer moves past the lease), or None if it is not
    due, not storing, or another worker holds it."""
    with transaction.atomic():
        segment = (
            RecordingSegment.objects.select_for_update(skip_locked=True)
            .select_related("recording")
            .filter(pk=segment_id, state=SegmentState.STORING, store_due_at__lte=now)
            .first()
        )
        if segment is None:
            return None
        segment.store_due_at = now + STORE_LEASE
        segment.store_attempts += 1
        segment.save(update_fields=["store_due_at", "store_attempts"])
    return segment


def _segment_media_store(segment: RecordingSegment, provider: RecordingProvider) -> StoredMedia:
    """The one place media reaches storage: the provider's plaintext stream, encrypted under the
    recording's data key and bound to this segment. Raises vault.StorageFailed (nothing kept) or
    the provider's error."""
    from recordings import crypto, vault

    recording = segment.recording
    if recording.wrapped_key is None:
        raise RecordingUnavailable("The recording was purged.", permanent=True)
    key = crypto.WrappedKey(kek_id=recording.kek_id, wrapped=bytes(recording.wrapped_key))
    return vault.media_write(
        key=key,
        aad=segment.aad,
        chunks=provider.segment_media(provider_ref=segment.provider_ref),
    )


def _fail(segment: RecordingSegment, error: str, now: datetime) -> str:
    with transaction.atomic():
        updated = RecordingSegment.objects.filter(pk=segment.pk, state=SegmentState.STORING).update(
            state=SegmentState.FAILED, error=error[:300], store_due_at=None
        )
        if updated:
            Recording.objects.filter(pk=segment.recording_id).update(
                alert=f"Part {segment.index + 1} of the recording could not be stored: {error}"[
                    :300
                ],
                alert_at=now,
            )
            access_record(
                actor=None,
                action=Action.UPDATE,
                client=None,
                obj=segment,
                detail=f"segment failed: {error}",
            )
    _discard_at_provider(segment.recording.provider, segment.provider_ref)
    return "failed"


def segment_store(*, segment_id: int, now: datetime | None = None) -> str:
    """Store an ended segment's media encrypted; "stored", "waiting" (the provider is still
    finishing the file), "failed", or "skipped" (not due, already done, or held elsewhere)."""
    from recordings import vault

    now = now or timezone.now()
    segment = _claim(segment_id, now)
    if segment is None:
        return "skipped"
    recording = segment.recording
    try:
        provider = provider_named(recording.provider)
        provider.segment_stop(provider_ref=segment.provider_ref)  # a stop that failed at the end
        status = provider.segment_status(provider_ref=segment.provider_ref)
    except Exception as error:  # noqa: BLE001 - a passing provider fault: try again later
        return _later(segment, now, f"The recorder did not answer: {error}")
    if status.status == "failed":
        return _fail(segment, status.error or "The recorder failed.", now)
    if status.status != "complete":
        return _later(segment, now, "The recorder is still finishing the file.")
    try:
        stored = _segment_media_store(segment, provider)
    except vault.StorageFailed as error:
        cause = error.__cause__
        if isinstance(cause, RecordingUnavailable) and not cause.permanent:
            return _later(segment, now, cause.reason)  # the provider's stream broke off
        return _fail(segment, f"Storage failed: {error}", now)
    except RecordingUnavailable as error:
        if error.permanent:
            return _fail(segment, error.message, now)
        return _later(segment, now, error.message)
    except Exception as error:  # noqa: BLE001 - nothing half-stored is kept: the vault cleans up
        log.exception("storing segment %s failed", segment.pk)
        return _fail(segment, f"Storing failed: {error!r}", now)
    with transaction.atomic():
        kept = RecordingSegment.objects.filter(pk=segment.pk, state=SegmentState.STORING).update(
            state=SegmentState.STORED,
            object_key=stored.object_key,
            plaintext_size=stored.plaintext_size,
            ciphertext_size=stored.ciphertext_size,
            chunk_size=stored.chunk_size,
            content_type=provider.content_type,
            stored_at=timezone.now(),
            store_due_at=None,
            error="",
        )
        if kept:
            access_record(
                actor=None,
                action=Action.CREATE,
                client=None,
                obj=segment,
                detail=f"segment {segment.index + 1} stored encrypted ({stored.plaintext_size} bytes)",
            )
            if recording.purpose == RecordingPurpose.CATCHUP:
                catch_up_after_commit(recording.pk)
    if not kept:  # purged or failed meanwhile: what was just written must not stay
        vault.media_delete(object_key=stored.object_key)
        return "skipped"
    try:
        provider.segment_media_discard(provider_ref=segment.provider_ref)
    except Exception:  # noqa: BLE001 - the stored copy is safe; the staging copy is the reconcile's
        log.exception("could not discard the provider's copy of segment %s", segment.pk)
    return "stored"


def _later(segment: RecordingSegment, now: datetime, why: str) -> str:
    if segment.store_attempts >= MAX_STORE_ATTEMPTS:
        return _fail(segment, f"Gave up waiting: {why}", now)
    RecordingSegment.objects.filter(pk=segment.pk, state=SegmentState.STORING).update(
        store_due_at=now + STORE_WAIT, error=why[:300]
    )
    return "waiting"


def segments_store_tick(*, now: datetime | None = None, batch: int = 20) -> int:
    """Store the ended segments that are due (the kicks the broker lost, the retries)."""
    now = now or timezone.now()
    due = list(
        RecordingSegment.objects.filter(state=SegmentState.STORING, store_due_at__lte=now)
        .order_by("store_due_at")
        .values_list("pk", flat=True)[:batch]
    )
    return sum(segment_store(segment_id=pk, now=now) == "stored" for pk in due)


def data_key_for(recording: Recording) -> None:
    """A new recording's data key, wrapped by the primary key-encryption key."""
    from recordings import crypto

    key = crypto.data_key_new()
    recording.kek_id = key.kek_id
    recording.wrapped_key = key.wrapped
