"""The reconcile tick: what LiveKit is capturing (ListEgress) against what Harbor holds, for each
LiveKit room with a running recording, a segment still being stored, or a recent stop.

Webhooks are hints, so every tick, per room:
(a) a segment Harbor has as recording whose egress has ended, failed or is unknown at LiveKit
    ends (services/egress.segment_lost: stored or failed, the facilitator told, the rule
    applied again);
(b) a segment being stored whose egress is no longer running is stored now (its egress_ended
    webhook was lost);
(c) an egress running in the room that is not one of Harbor's recording or ending segments (a
    stop that was lost, or one Harbor never asked for) is stopped at once and audited: nothing
    records that Harbor does not know of;
(d) a segment Harbor has heard nothing of for RECORDING_EGRESS_SILENCE_SECONDS (LiveKit down
    while it records, an egress stopped but never finished) is reported to the facilitator;
(e) for a running or paused recording, who is present is compared with LiveKit's participant
    list (ListParticipants): someone in the room Harbor does not have as present (a lost
    participant_joined, or someone who never came through Harbor) joins, and someone Harbor
    has as present who is not in the room leaves (services/presence.presence_reconcile_locked),
    then the rule is applied: before (a)-(c), so no segment resumes with someone in the room
    whom Harbor has not yet counted.
LiveKit is read outside any lock; the comparison runs under the session's recording lock, taken
only if free (a join or another tick holding it: the room waits for the next tick), so the
reconcile never races a join. LiveKit down or silent: logged, and the next tick tries again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from iop.audit.models import Action
from iop.audit.services import access_record
from recordings.consent_rule import session_lock_try
from recordings.models import (
    ACTIVE_STATES,
    Recording,
    RecordingSegment,
    RecordingState,
    SegmentState,
)
from recordings.providers.base import RecordingProvider, RoomParticipant, SegmentStatus
from recordings.providers.registry import LIVEKIT, provider_named
from recordings.services.egress import (
    FINAL,
    clock_text,
    recording_tell,
    segment_lost,
    status_note,
    store_due_now,
)
from recordings.services.presence import presence_reconcile_locked

log = logging.getLogger(__name__)

# A stopped recording's room is still compared this long (a stop LiveKit never took).
RECENTLY = timedelta(hours=2)
UNFINISHED = (SegmentState.RECORDING, SegmentState.STORING)


def _sessions_to_reconcile(now: datetime) -> list[int]:
    unfinished = RecordingSegment.objects.filter(state__in=UNFINISHED).values("recording_id")
    return list(
        Recording.objects.filter(provider=LIVEKIT)
        .filter(
            Q(state__in=[s.value for s in ACTIVE_STATES])
            | Q(pk__in=unfinished)
            | Q(state_changed_at__gte=now - RECENTLY)
        )
        .order_by("session_id")
        .values_list("session_id", flat=True)
        .distinct()
    )


def recordings_reconcile_tick(*, now: datetime | None = None) -> int:
    """Compare every LiveKit room Harbor records (or recently recorded) with ListEgress and
    mend what differs; returns how many things it changed. Never raises for one room's fault."""
    now = now or timezone.now()
    changed = 0
    for session_id in _sessions_to_reconcile(now):
        try:
            changed += session_reconcile(session_id=session_id, now=now)
        except Exception:  # noqa: BLE001 - one room's fault must not stop the others
            log.exception("reconciling the recordings of session %s failed", session_id)
    return changed


def session_reconcile(*, session_id: int, now: datetime) -> int:
    """One room: (a)-(e) of the module's docstring. Returns how many things changed."""
    recording = (
        Recording.objects.filter(session_id=session_id, provider=LIVEKIT)
        .select_related("session")
        .first()
    )
    if recording is None:
        return 0
    session = recording.session
    provider = provider_named(LIVEKIT)
    try:
        listed: list[SegmentStatus] | None = provider.segments_active(room_name=session.room_name)
    except Exception as error:  # noqa: BLE001 - LiveKit down or silent: next tick
        log.warning("ListEgress for session %s failed: %r", session_id, error)
        listed = None
    people, asked_at = _participants(session, provider)
    with transaction.atomic():
        if not session_lock_try(session_id):
            return 0  # a join or another tick holds the room: the next tick looks again
        changed = 0
        if people is not None:  # (e)
            changed += presence_reconcile_locked(session, people, asked_at=asked_at, now=now)
        compared, orphans = _compare(session, provider, listed, now)
        changed += compared
        changed += _silences(session, listed, now)
    for egress in orphans:
        changed += _orphan_stop(session, provider, egress)
    return changed


def _participants(
    session: Any, provider: RecordingProvider
) -> tuple[list[RoomParticipant] | None, datetime]:
    """(e) Who LiveKit has in the room, and when it was asked; None when no recording of the
    session runs or LiveKit could not say."""
    asked_at = timezone.now()
    if not Recording.objects.filter(session_id=session.pk, state__in=ACTIVE_STATES).exists():
        return None, asked_at
    try:
        return provider.room_participants(room_name=session.room_name), asked_at
    except Exception as error:  # noqa: BLE001 - LiveKit down or silent: next tick
        log.warning("ListParticipants for session %s failed: %r", session.pk, error)
        return None, asked_at


def _segments(session: Any) -> list[RecordingSegment]:
    return list(
        RecordingSegment.objects.select_for_update(of=("self",))
        .filter(recording__session_id=session.pk, recording__provider=LIVEKIT, state__in=UNFINISHED)
        .select_related("recording")
        .order_by("recording_id", "index")
    )


def _compare(
    session: Any, provider: RecordingProvider, listed: list[SegmentStatus] | None, now: datetime
) -> tuple[int, list[str]]:
    """(a), (b), and the egresses to stop (c); under the session's lock."""
    if listed is None:
        return 0, []
    running = {s.provider_ref for s in listed}
    changed = 0
    for segment in _segments(session):
        ref = segment.provider_ref
        if ref in running:
            if segment.state == SegmentState.RECORDING:
                changed += _heard_again(session, segment, now)
                status_note(segment, "active", now)
            continue
        if segment.state == SegmentState.STORING:
            changed += store_due_now(segment, now)  # (b)
            continue
        # (a) Not running at LiveKit: ask about this egress itself (it may have started after
        # the list was read, for a segment opened meanwhile).
        try:
            status = provider.segment_status(provider_ref=ref)
        except Exception as error:  # noqa: BLE001 - LiveKit down: next tick
            log.warning("the status of egress %s could not be read: %r", ref, error)
            continue
        if status.status not in FINAL:
            status_note(segment, "active", now)
            continue
        recording = Recording.objects.select_for_update().get(pk=segment.recording_id)
        if recording.state != RecordingState.RECORDING:
            continue
        heard = segment.provider_status_at or segment.started_at
        segment_lost(recording, session, segment, status=status, heard_at=heard, now=now)
        changed += 1
    unfinished = dict(
        RecordingSegment.objects.filter(
            recording__session_id=session.pk, state__in=UNFINISHED
        ).values_list("provider_ref", "state")
    )
    # A segment being stored whose egress still runs: Harbor's own stop, asked again (quietly;
    # one that is only finishing its file answers that it is stopping already).
    for ref in running & {r for r, state in unfinished.items() if state == SegmentState.STORING}:
        try:
            provider.segment_stop(provider_ref=ref)
        except Exception as error:  # noqa: BLE001 - the next tick asks again
            log.warning("could not stop egress %s again: %r", ref, error)
    return changed, sorted(running - set(unfinished))


def _silence_text(session: Any, heard: datetime) -> str:
    return f"The recorder stopped reporting at {clock_text(session, heard)}."


def _heard_again(session: Any, segment: RecordingSegment, now: datetime) -> int:
    """A recording segment LiveKit reports again after a silence: the facilitator's alert about
    that silence (and only that one) is taken back."""
    heard = segment.provider_status_at or segment.started_at
    recording = segment.recording
    if recording.alert != _silence_text(session, heard):
        return 0
    recording = Recording.objects.select_for_update().get(pk=segment.recording_id)
    return int(recording_tell(recording, session, "", now))


def _silences(session: Any, listed: list[SegmentStatus] | None, now: datetime) -> int:
    """(d) Segments nothing has been heard of for too long: the facilitator is told."""
    limit = now - timedelta(seconds=settings.RECORDING_EGRESS_SILENCE_SECONDS)
    running = {s.provider_ref for s in listed} if listed is not None else None
    told = 0
    for segment in _segments(session):
        if segment.state == SegmentState.RECORDING:
            heard = segment.provider_status_at or segment.started_at
            if heard >= limit:
                continue
            alert = _silence_text(session, heard)
        else:
            unfinished = segment.provider_status not in FINAL and (
                running is None or segment.provider_ref in running
            )
            if not unfinished or segment.ended_at is None or segment.ended_at >= limit:
                continue
            alert = (
                f"The recorder stopped reporting at {clock_text(session, segment.ended_at)}: "
                f"segment {segment.index + 1} was stopped but its file has not been finished."
            )
        recording = Recording.objects.select_for_update().get(pk=segment.recording_id)
        told += recording_tell(recording, session, alert, now)
    return told


def _orphan_stop(session: Any, provider: RecordingProvider, egress_id: str) -> int:
    """(c) Stop an egress in the room that Harbor is not recording with, and say so."""
    try:
        provider.segment_stop(provider_ref=egress_id)
    except Exception as error:  # noqa: BLE001 - LiveKit down: the next tick stops it
        log.warning("could not stop egress %s of session %s: %r", egress_id, session.pk, error)
        return 0
    discarded = RecordingSegment.objects.filter(
        provider_ref=egress_id, state=SegmentState.DISCARDED
    ).exists()
    if discarded:  # its media must never be kept anywhere, the staging copy included
        try:
            provider.segment_media_discard(provider_ref=egress_id)
        except Exception:  # noqa: BLE001 - the staging bucket's lifecycle rule is the backstop
            log.exception("could not discard the staged media of egress %s", egress_id)
    with transaction.atomic():
        access_record(
            actor=None,
            action=Action.UPDATE,
            client=None,
            object_type="recordings.Egress",
            object_id=egress_id,
            detail=(
                f"stopped an egress of session {session.pk} that Harbor was not recording with "
                "(a lost stop, or one Harbor never asked for)"
            ),
        )
    log.warning("stopped egress %s of session %s: Harbor was not recording", egress_id, session.pk)
    return 1
