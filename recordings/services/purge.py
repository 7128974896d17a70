"""Retention and purge: recordings are crypto-shredded when their retention ends, unless held.

The purge of a recording is in two steps. First, in one transaction with the row locked, its
wrapped data key is destroyed (`wrapped_key` None, `kek_id` empty): from that commit on, its
media is unreadable everywhere, backups of the database and the storage included. The row
stays as the tombstone (state purged, `purged_at`), with an audit row, and its segments are
marked purged. Then the encrypted objects are deleted, and each segment's `object_key` cleared
once its object is gone. A delete that fails leaves the segment for a later tick (the partial
index `segment_purge_left` finds them); its media is already unreadable. Segments never stored
(still recording or storing, failed, discarded) are discarded at the provider too, once.

`purge_due_at` is the timer (set when the recording stops, from the purpose's retention; the
partial index `recording_purge_due` serves the tick), claimed with SELECT ... FOR UPDATE SKIP
LOCKED: two ticks never purge the same recording. A legal hold stops the purge; releasing a
hold whose purge is overdue lets the next tick purge it.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import DurationField, F, Value
from django.utils import timezone

from iop.accounts.models import Role, StaffProfile
from iop.audit.models import Action
from iop.audit.services import access_record, access_record_rows
from iop.domain import NotAllowed
from iop.viewer import Actor, person_of
from recordings.models import (
    ACTIVE_STATES,
    Recording,
    RecordingPurpose,
    RecordingRetention,
    RecordingSegment,
    RecordingState,
    SegmentState,
)
from recordings.providers.registry import provider_named

log = logging.getLogger(__name__)
OBJECT = "recordings.Recording"
RETENTION_MIN_DAYS = 1
RETENTION_MAX_DAYS = 3650


def _due(now: datetime) -> Any:
    """Recordings whose purge is due: not purged, not held, not running."""
    return (
        Recording.objects.filter(
            purge_due_at__isnull=False,
            purge_due_at__lte=now,
            purged_at__isnull=True,
            legal_hold=False,
        )
        .exclude(state__in=ACTIVE_STATES)
        .order_by("purge_due_at", "pk")
    )


class _Claimed(NamedTuple):
    pk: int
    uuid: uuid.UUID
    provider: str
    started_at: datetime
    stopped_at: datetime | None

    def kept_days(self, now: datetime) -> int:
        return max(0, (now - (self.stopped_at or self.started_at)).days)


def _shred(now: datetime, batch: int) -> tuple[int, list[tuple[str, str]]]:
    """Destroy the data keys of up to `batch` due recordings, in one transaction: (how many,
    the (provider, provider_ref) of their segments never stored, to discard at the provider)."""
    with transaction.atomic():
        claimed = [
            _Claimed(*row)
            for row in _due(now)
            .select_for_update(skip_locked=True)
            .values_list("pk", "uuid", "provider", "started_at", "stopped_at")[:batch]
        ]
        if not claimed:
            return 0, []
        ids = [row.pk for row in claimed]
        Recording.objects.filter(pk__in=ids).update(
            wrapped_key=None,
            kek_id="",
            state=RecordingState.PURGED,
            state_changed_at=now,
            purged_at=now,
        )
        providers = {row.pk: row.provider for row in claimed}
        leftovers = [
            (providers[recording_id], ref)
            for recording_id, ref in RecordingSegment.objects.filter(
                recording_id__in=ids, stored_at__isnull=True
            )
            .exclude(provider_ref="")
            .exclude(state=SegmentState.PURGED)
            .values_list("recording_id", "provider_ref")
        ]
        # Purged segments are never stored (segment_store only takes `storing` ones) nor played;
        # those with an object are what the delete step below (and later ticks) look for.
        RecordingSegment.objects.filter(recording_id__in=ids).update(
            state=SegmentState.PURGED, store_due_at=None
        )
        access_record_rows(
            actor=None,
            action=Action.DELETE,
            entries=[
                (None, OBJECT, row.uuid, f"purged after {row.kept_days(now)} days: key destroyed")
                for row in claimed
            ],
        )
    return len(claimed), leftovers


def _discard_at_providers(leftovers: list[tuple[str, str]]) -> None:
    """Best effort: the provider's staging copies of segments never stored."""
    by_provider: dict[str, list[str]] = defaultdict(list)
    for name, ref in leftovers:
        by_provider[name].append(ref)
    for name, refs in by_provider.items():
        try:
            provider = provider_named(name)
        except Exception:  # noqa: BLE001 - an unknown provider has nothing Harbor can discard
            log.warning("purge: no provider %r to discard %d segments at", name, len(refs))
            continue
        for ref in refs:
            try:
                provider.segment_stop(provider_ref=ref)  # idempotent: one never stopped
                provider.segment_media_discard(provider_ref=ref)
            except Exception:  # noqa: BLE001 - its media is unreadable to nobody but the provider
                log.exception("purge: the provider did not discard %s", ref)


def objects_delete(*, batch: int = 500) -> tuple[int, int]:
    """Delete the objects of purged segments (this tick's and those a failure left):
    (deleted, failed). The rows are claimed SKIP LOCKED, so two ticks never delete the same."""
    from recordings import vault

    with transaction.atomic():
        left = list(
            RecordingSegment.objects.select_for_update(skip_locked=True)
            .filter(state=SegmentState.PURGED)
            .exclude(object_key="")
            .order_by("pk")
            .values_list("pk", "object_key")[:batch]
        )
        deleted: list[int] = []
        failed = 0
        for pk, object_key in left:
            try:
                vault.media_delete(object_key=object_key)
            except Exception:  # noqa: BLE001 - kept for the next tick; the media is unreadable
                log.exception("purge: could not delete the object of segment %s", pk)
                failed += 1
                continue
            deleted.append(pk)
        if deleted:
            RecordingSegment.objects.filter(pk__in=deleted).update(object_key="")
    return len(deleted), failed


def recordings_purge_tick(*, now: datetime | None = None, batch: int = 100) -> int:
    """Purge up to `batch` recordings whose retention has ended (keys first, then objects), and
    retry the objects earlier ticks could not delete. Returns how many recordings were purged."""
    now = now or timezone.now()
    purged, leftovers = _shred(now, batch)
    # The keys are gone (committed) before any object is touched.
    _discard_at_providers(leftovers)
    while True:
        deleted, failed = objects_delete()
        if not deleted or failed:
            break
    return purged


def _supervises(person: Any, program_id: int) -> bool:
    return bool(
        person.role == Role.SUPERVISOR
        and StaffProfile.objects.filter(user=person, program_id=program_id).exists()
    )


def may_hold(actor: Actor, recording: Recording) -> bool:
    """Administrators, and the supervisors of the recorded session's program."""
    person = person_of(actor)
    if person is None or not person.is_active:
        return False
    if person.role == Role.ADMIN:
        return True
    return _supervises(person, recording.session.program_id)


def recording_legal_hold_set(
    *, actor: Actor, recording: Recording, hold: bool, reason: str = ""
) -> Recording:
    """Place (with a reason) or release a legal hold: a held recording is never purged."""
    if not may_hold(actor, recording):
        raise NotAllowed("Only administrators and the program's supervisors set legal holds.")
    reason = (reason or "").strip()
    if hold and not reason:
        raise ValidationError({"reason": ["Say why the recording is held."]})
    if len(reason) > 300:
        raise ValidationError({"reason": ["At most 300 characters."]})
    with transaction.atomic():
        recording = Recording.objects.select_for_update().get(pk=recording.pk)
        if recording.purged_at is not None and hold:
            raise ValidationError(
                {"hold": ["This recording was already purged: there is nothing left to hold."]}
            )
        if recording.legal_hold == hold and (not hold or recording.legal_hold_reason == reason):
            return recording
        recording.legal_hold = hold
        recording.legal_hold_reason = reason if hold else ""
        recording.save(update_fields=["legal_hold", "legal_hold_reason"])
        access_record(
            actor=actor,
            action=Action.UPDATE,
            client=None,
            object_type=OBJECT,
            object_id=str(recording.uuid),
            detail=(f"legal hold placed: {reason}" if hold else f"legal hold released. {reason}")[
                :255
            ].strip(),
        )
    return recording


def recording_retention_set(*, actor: Actor, purpose: str, days: int) -> RecordingRetention:
    """Set how many days a purpose's recordings are kept after they stop; the purge dates of
    stopped, unpurged recordings of that purpose move with it (stopped_at + days)."""
    person = person_of(actor)
    if person is None or not person.is_active or person.role != Role.ADMIN:
        raise NotAllowed("Only administrators set how long recordings are kept.")
    if purpose not in RecordingPurpose.values:
        raise ValidationError(
            {"purpose": [f"Choose one of: {', '.join(RecordingPurpose.values)}."]}
        )
    if isinstance(days, bool) or not isinstance(days, int):
        raise ValidationError({"days": ["A whole number of days."]})
    if not RETENTION_MIN_DAYS <= days <= RETENTION_MAX_DAYS:
        raise ValidationError(
            {"days": [f"Between {RETENTION_MIN_DAYS} and {RETENTION_MAX_DAYS} days."]}
        )
    with transaction.atomic():
        retention, _ = RecordingRetention.objects.select_for_update().get_or_create(
            purpose=purpose, defaults={"days": days}
        )
        before = retention.days
        retention.days = days
        retention.save(update_fields=["days"])
        moved = Recording.objects.filter(
            purpose=purpose, purged_at__isnull=True, stopped_at__isnull=False
        ).update(purge_due_at=_plus_days("stopped_at", days))
        access_record(
            actor=actor,
            action=Action.UPDATE,
            client=None,
            obj=retention,
            detail=f"retention of {purpose} recordings: {before} -> {days} days "
            f"({moved} purge dates moved)",
        )
    return retention


def _plus_days(field: str, days: int) -> Any:
    return F(field) + Value(timedelta(days=days), output_field=DurationField())
