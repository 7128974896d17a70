"""What the recorder says of a segment's capture (LiveKit's egress webhooks, and what the
reconcile reads from ListEgress), applied under the session's recording lock.

Webhooks are hints: LiveKit documents that `egress_ended` can be lost or arrive out of order.
So each event is taken once (its id), one about an egress Harbor does not know (or in another
room) changes nothing, and a final word ("complete", "failed") is never replaced by an older
"active". An egress that ends while Harbor has its segment recording is a lost capture: the
segment ends (stored if its file is complete, failed if not), the facilitator is told, and the
rule is applied again, so a recording never stays "recording" with nothing capturing it.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from iop.audit.models import Action
from iop.audit.services import access_record
from recordings.consent_rule import lacking_in_room, session_lock
from recordings.live import recording_announce
from recordings.models import (
    ProviderEventSeen,
    Recording,
    RecordingSegment,
    RecordingState,
    SegmentState,
)
from recordings.providers.base import RoomEvent, SegmentStatus
from recordings.services.recording import rule_apply
from recordings.services.segments import STORE_WAIT, _discard_at_provider, _kick_store
from sessions_app.selectors import zone_of

log = logging.getLogger(__name__)

FINAL = ("complete", "failed")
EGRESS_KINDS = ("egress_started", "egress_updated", "egress_ended")
OBJECT = "recordings.Recording"


def event_first_sighting(provider: str, event_id: str) -> bool:
    """True the first time a provider's event id is seen (inside the caller's transaction, so
    an event whose work fails is taken again when the provider retries it)."""
    _, created = ProviderEventSeen.objects.get_or_create(provider=provider, event_id=event_id)
    return created


def clock_text(session: Any, at: datetime) -> str:
    """A time as the facilitator reads it: the program's local hour and minute."""
    return f"{timezone.localtime(at, zone_of(session.program)):%H:%M}"


def status_note(segment: RecordingSegment, status: str, at: datetime) -> None:
    """Remember what the provider last said of the segment; a final word stays."""
    if segment.provider_status in FINAL:
        return
    segment.provider_status, segment.provider_status_at = status, at
    segment.save(update_fields=["provider_status", "provider_status_at"])


def store_due_now(segment: RecordingSegment, now: datetime) -> bool:
    """The segment's file is finished at the provider: store it now rather than at the next
    look (False when it is due already). A segment a worker holds (its lease is far ahead)
    is left to that worker."""
    waiting = RecordingSegment.objects.filter(
        pk=segment.pk,
        state=SegmentState.STORING,
        store_due_at__gt=now,
        store_due_at__lte=now + STORE_WAIT,
    ).update(store_due_at=now)
    if waiting:
        transaction.on_commit(partial(_kick_store, segment.pk))
    return bool(waiting)


def recording_tell(recording: Recording, session: Any, alert: str, now: datetime) -> bool:
    """Set the recording's alert ("" takes it back) and tell the facilitator (once: an
    unchanged alert is quiet)."""
    if recording.alert == alert:
        return False
    recording.alert, recording.alert_at = alert[:300], (now if alert else None)
    recording.save(update_fields=["alert", "alert_at"])
    access_record(
        actor=None,
        action=Action.UPDATE,
        client=None,
        object_type=OBJECT,
        object_id=str(recording.uuid),
        detail=f"alert: {alert}"[:255] if alert else "alert taken back",
    )
    lacking = []
    if recording.state == RecordingState.PAUSED:
        lacking = lacking_in_room(session.pk, recording.purpose, at=now)
    recording_announce(recording, session, lacking)
    return True


def segment_lost(
    recording: Recording,
    session: Any,
    segment: RecordingSegment,
    *,
    status: SegmentStatus,
    heard_at: datetime,
    now: datetime,
) -> str:
    """The provider stopped capturing a segment Harbor has as recording (under the session's
    lock, the recording row locked): the segment ends (its media stored when the file is
    complete, else failed), the facilitator is told, and the rule decides what runs next.
    Returns rule_apply's outcome ("resumed" as a new segment, or "held")."""
    when = clock_text(session, heard_at)
    why = status.error or (
        "LiveKit ended the recording." if status.status == "complete" else "The recorder failed."
    )
    alert = f"The recorder stopped reporting at {when}: {why.rstrip('.')}."
    segment.ended_at = now
    segment.ended_reason = f"The recorder stopped at {when}: {why}"[:300]
    segment.provider_status, segment.provider_status_at = status.status, now
    if status.status == "complete":
        segment.state = SegmentState.STORING
        segment.store_due_at = now
        transaction.on_commit(partial(_kick_store, segment.pk))
    else:
        segment.state = SegmentState.FAILED
        segment.error = why[:300]
        segment.store_due_at = None
        transaction.on_commit(
            partial(_discard_at_provider, recording.provider, segment.provider_ref)
        )
    segment.save()
    access_record(
        actor=None,
        action=Action.UPDATE,
        client=None,
        obj=segment,
        detail=f"segment {segment.index + 1} ended by the recorder ({status.status}): {why}"[:255],
    )
    # Nothing captures now: the rule starts a new segment if everyone present agrees.
    recording.state = RecordingState.PAUSED
    recording.state_changed_at = now
    recording.save(update_fields=["state", "state_changed_at"])
    outcome = rule_apply(
        recording,
        session,
        now=now,
        cause="the recorder stopping",
        alert=f"{alert} Recording went on as a new segment.",
    )
    if outcome != "resumed" and not recording.alert.startswith("Recording could not resume"):
        recording_tell(recording, session, alert, now)
    return outcome


def egress_event_record(*, provider: str, event: RoomEvent) -> str:
    """One egress webhook: "duplicate", "unknown" (an egress Harbor did not start here),
    "noted", "store" (the file is finished: stored now), or the rule's outcome after a lost
    capture ("resumed", "held")."""
    status = event.egress_status or "active"
    with transaction.atomic():
        if event.event_id and not event_first_sighting(provider, event.event_id):
            return "duplicate"
        found = (
            RecordingSegment.objects.filter(
                provider_ref=event.egress_id or "", recording__provider=provider
            )
            .select_related("recording__session")
            .first()
        )
        if found is None or not event.egress_id:
            return "unknown"
        session = found.recording.session
        if event.room_name and event.room_name != session.room_name:
            return "unknown"
        # After the lock: a stop still being committed (its egress_ended sent meanwhile) is
        # seen done, so its segment reads as storing, not as a capture lost.
        session_lock(session.pk)
        recording = Recording.objects.select_for_update().get(pk=found.recording_id)
        segment = RecordingSegment.objects.select_for_update().get(pk=found.pk)
        if status not in FINAL:
            status_note(segment, status, event.at)
            return "noted"
        if segment.state == SegmentState.RECORDING and recording.state == RecordingState.RECORDING:
            lost = SegmentStatus(segment.provider_ref, status, event.error)
            return segment_lost(
                recording, session, segment, status=lost, heard_at=event.at, now=timezone.now()
            )
        status_note(segment, status, event.at)
        if segment.state == SegmentState.STORING and store_due_now(segment, timezone.now()):
            return "store"
        return "noted"
