"""Starting and stopping a session's recording, and the consent rule applied while it runs.

Every decision about a session's recording is taken under its lock (`rule.session_lock`), so a
join, a leave, a consent change, a start and a stop are applied one at a time, each against
who is present then. The provider is called inside that transaction: a segment has ended at the
provider before the change that ended it commits (and before a join is acknowledged).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from iop.audit.models import Action
from iop.audit.services import access_record
from iop.domain import Conflict
from iop.viewer import Actor, accountable_user_of
from recordings.consent_rule import (
    Lacking,
    capitalised,
    lacking_in_room,
    names,
    pause_text,
    refusal_reason,
    session_lock,
)
from recordings.live import recording_announce
from recordings.models import (
    DEFAULT_RETENTION_DAYS,
    Recording,
    RecordingPurpose,
    RecordingRetention,
    RecordingSegment,
    RecordingState,
    RoomPresence,
    SegmentState,
)
from recordings.providers.base import RecordingProvider, RecordingUnavailable
from recordings.providers.registry import provider_for, provider_named
from recordings.services.access import require_may_record
from recordings.services.catch_up import catch_up_after_commit
from recordings.services.segments import data_key_for, participants_add, segment_end, segment_open

log = logging.getLogger(__name__)
OBJECT = "recordings.Recording"


def _audit(
    actor: Actor,
    recording: Recording | None,
    detail: str,
    *,
    action: str = Action.UPDATE,
    lacking: list[Lacking] | None = None,
    session: Any = None,
) -> None:
    """One row per client the event is about (who lacked consent), else one naming no client."""
    clients: list[int | None] = [p.client_id for p in lacking or [] if p.client_id is not None]
    object_id = str(recording.uuid) if recording is not None else f"session:{session.pk}"
    for client_id in clients or [None]:
        access_record(
            actor=actor,
            action=action,
            client=_client(client_id),
            object_type=OBJECT,
            object_id=object_id,
            detail=detail,
        )


def _client(client_id: int | None) -> Any:
    from iop.accounts.models import ClientProfile

    return None if client_id is None else ClientProfile(pk=client_id)


def present_user_ids(session: Any) -> list[int]:
    """The Harbor users present (anyone else present is in `lacking_in_room`)."""
    return list(
        RoomPresence.objects.filter(session=session, present=True, user__isnull=False)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )


def _current(recording: Recording) -> RecordingSegment | None:
    return recording.segments.filter(state=SegmentState.RECORDING).first()


def _session_open(session: Any, now: datetime) -> bool:
    opens = session.starts_at - timedelta(minutes=settings.SESSIONS_JOIN_OPENS_MINUTES)
    return bool(session.status != "cancelled" and opens <= now < session.ends_at)


def _refuse(actor: Actor, session: Any, purpose: str, reason: str, lacking: list[Lacking]) -> None:
    """The refusal is recorded whatever the caller's transaction does, then raised."""
    with transaction.atomic():
        _audit(
            actor,
            None,
            f"start refused ({purpose}): {reason}",
            action=Action.CREATE,
            lacking=lacking,
            session=session,
        )
    raise Conflict(reason)


def recording_start(*, actor: Actor, session: Any, purpose: str) -> Recording:
    """Start recording the session for a purpose, only while everyone present has agreed to it."""
    require_may_record(actor, session)
    if purpose not in RecordingPurpose.values:
        raise ValidationError(
            {"purpose": [f"Choose one of: {', '.join(RecordingPurpose.values)}."]}
        )
    now = timezone.now()
    if not _session_open(session, now):
        _refuse(actor, session, purpose, "This session is not under way now.", [])
    provider = provider_for(session)
    reason = provider.refusal(session)
    if reason:
        _refuse(actor, session, purpose, reason, [])
    outcome = _start(actor, session, purpose, provider, now)
    if isinstance(outcome, Recording):
        return outcome
    lacking, reason = outcome
    _refuse(actor, session, purpose, reason, lacking)
    raise AssertionError("unreachable")  # _refuse raises


def _start(
    actor: Actor, session: Any, purpose: str, provider: RecordingProvider, now: datetime
) -> Recording | tuple[list[Lacking], str]:
    """The recording, or who lacks consent and why it did not start (nothing kept)."""
    with transaction.atomic():
        session_lock(session.pk)
        running = Recording.objects.filter(
            session_id=session.pk, state__in=[RecordingState.RECORDING, RecordingState.PAUSED]
        ).first()
        if running is not None:
            raise Conflict(
                "This session is already being recorded "
                f"({RecordingPurpose(running.purpose).label.lower()}): stop that recording first."
            )
        present = present_user_ids(session)
        lacking = lacking_in_room(session.pk, purpose, at=now)
        if lacking:
            return lacking, refusal_reason(lacking, purpose)
        recording = Recording(
            session_id=session.pk,
            purpose=purpose,
            provider=provider.name,
            state=RecordingState.RECORDING,
            state_changed_at=now,
            started_by=accountable_user_of(actor),
            started_at=now,
        )
        data_key_for(recording)
        try:
            with transaction.atomic():
                recording.save()
        except IntegrityError:  # another start won the race past the check above
            raise Conflict("This session is already being recorded.") from None
        try:
            segment_open(recording, provider, session=session, present=present, now=now)
        except RecordingUnavailable as error:
            transaction.set_rollback(True)
            return [], f"The recorder could not start: {error.message}"
        _audit(actor, recording, f"started ({purpose})", action=Action.CREATE)
        recording_announce(recording, session, [])
    return recording


def recording_stop(*, actor: Actor, recording: Recording) -> Recording:
    """Stop a running or paused recording for good; its last segment is stored."""
    session = recording.session
    require_may_record(actor, session)
    with transaction.atomic():
        session_lock(session.pk)
        recording = Recording.objects.select_for_update().get(pk=recording.pk)
        if not recording.is_active:
            raise Conflict(
                f"This recording is already {recording.get_state_display().lower()}: "
                "there is nothing to stop."
            )
        stop_locked(
            recording,
            session,
            actor=actor,
            now=timezone.now(),
            reason="The facilitator stopped the recording.",
        )
    return recording


def stop_locked(
    recording: Recording, session: Any, *, actor: Actor, now: datetime, reason: str
) -> None:
    """End the current segment and the recording (under the session's lock, the row locked);
    its purge falls due after the purpose's retention."""
    current = _current(recording)
    if current is not None:
        segment_end(
            recording,
            current,
            provider_named(recording.provider),
            reason=reason,
            now=now,
            unsafe=False,
        )
    recording.state = RecordingState.STOPPED
    recording.state_changed_at = now
    recording.stopped_at = now
    recording.stopped_by = accountable_user_of(actor)
    recording.purge_due_at = now + timedelta(days=retention_days(recording.purpose))
    recording.save()
    _audit(actor, recording, f"stopped: {reason}")
    recording_announce(recording, session, [])
    if recording.purpose == RecordingPurpose.CATCHUP:
        catch_up_after_commit(recording.pk)


def retention_days(purpose: str) -> int:
    row = RecordingRetention.objects.filter(purpose=purpose).first()
    return row.days if row is not None else DEFAULT_RETENTION_DAYS[purpose]


def rule_apply(
    recording: Recording, session: Any, *, now: datetime, cause: str, alert: str = ""
) -> str:
    """Pause, resume or carry on, by who is present now; under the session's lock, with the
    recording row locked. Returns what happened: "paused" (just now), "held" (still paused),
    "resumed", "recording" (carries on), or the state of a recording no longer running.
    `alert`: what the facilitator is still told once it resumes (else the alert is cleared)."""
    present = present_user_ids(session)
    lacking = lacking_in_room(session.pk, recording.purpose, at=now)
    provider: RecordingProvider = provider_named(recording.provider)
    if recording.state == RecordingState.RECORDING:
        current = _current(recording)
        if not lacking:
            if current is not None:
                participants_add(current, present, now)
            return "recording"
        if current is not None:
            segment_end(
                recording,
                current,
                provider,
                reason=capitalised(f"{names(lacking)} joined or withdrew consent ({cause})."),
                now=now,
                unsafe=True,
            )
        recording.state = RecordingState.PAUSED
        recording.state_changed_at = now
        recording.save(update_fields=["state", "state_changed_at"])
        _audit(
            None,
            recording,
            f"paused: {pause_text(lacking, recording.purpose)}"[:255],
            lacking=lacking,
        )
        recording_announce(recording, session, lacking)
        return "paused"
    if recording.state != RecordingState.PAUSED:
        return recording.state
    if lacking:
        return "held"
    try:
        segment_open(recording, provider, session=session, present=present, now=now)
    except RecordingUnavailable as error:
        alert = f"Recording could not resume: {error.message}"[:300]
        if alert != recording.alert:  # told once, tried again at every change and tick
            recording.alert, recording.alert_at = alert, now
            recording.save(update_fields=["alert", "alert_at"])
            _audit(None, recording, alert)
            recording_announce(recording, session, [])
        return "held"
    recording.state = RecordingState.RECORDING
    recording.state_changed_at = now
    recording.alert = alert
    recording.save(update_fields=["state", "state_changed_at", "alert"])
    _audit(None, recording, f"resumed ({cause})")
    recording_announce(recording, session, [])
    return "resumed"


def active_recording_locked(session_id: int) -> Recording | None:
    return (
        Recording.objects.select_for_update()
        .filter(session_id=session_id, state__in=[RecordingState.RECORDING, RecordingState.PAUSED])
        .first()
    )
