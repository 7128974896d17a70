"""Who is in the room, from the provider's participant events and Harbor's own, and the rule
applied to the session's recording each time that changes (or someone's consent does).

Events are hints: a provider event seen before (its id) is taken once, and one older than the
last event applied to that person changes nothing. At the same instant a join beats a leave
(the careful reading: the person may be in the room).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from iop.accounts.models import ClientProfile
from recordings.consent_rule import session_lock
from recordings.models import (
    CONSENT_FOR_PURPOSE,
    PresenceSource,
    Recording,
    RecordingState,
    RoomPresence,
)
from recordings.providers.base import RoomEvent
from recordings.providers.registry import presence_from_harbor, provider_for
from recordings.services.egress import EGRESS_KINDS, egress_event_record, event_first_sighting
from recordings.services.recording import active_recording_locked, rule_apply, stop_locked
from sessions_app.selectors import session_for_room

log = logging.getLogger(__name__)


def _presence_set(session: Any, user_id: int, *, present: bool, at: datetime, source: str) -> bool:
    """Apply the event to the person's presence; False when it is older than what is known."""
    row = RoomPresence.objects.select_for_update().filter(session=session, user_id=user_id).first()
    if row is None:
        RoomPresence.objects.create(
            session=session, user_id=user_id, present=present, last_event_at=at, last_source=source
        )
        return True
    if at < row.last_event_at or (at == row.last_event_at and not present and row.present):
        return False
    row.present, row.last_event_at, row.last_source = present, at, source
    row.save(update_fields=["present", "last_event_at", "last_source", "updated_at"])
    return True


def _participant_event(
    *,
    session: Any,
    user_id: int,
    present: bool,
    at: datetime,
    source: str,
    provider: str,
    event_id: str,
) -> str:
    with transaction.atomic():
        if event_id and not event_first_sighting(provider, event_id):
            return "duplicate"
        session_lock(session.pk)
        if not _presence_set(session, user_id, present=present, at=at, source=source):
            return "stale"
        recording = active_recording_locked(session.pk)
        if recording is None:
            return "noted"
        cause = "a join" if present else "a leave"
        return rule_apply(recording, session, now=timezone.now(), cause=cause)


def room_participant_joined(
    *,
    session: Any,
    user_id: int,
    at: datetime,
    provider: str = "",
    event_id: str = "",
    source: str = PresenceSource.PROVIDER,
) -> str:
    """Someone is in the room: a recording they have not agreed to pauses (its segment ends at
    the provider before this returns). Returns "paused", "held", "recording", "noted" (no recording), "stale", "duplicate"."""
    return _participant_event(
        session=session,
        user_id=user_id,
        present=True,
        at=at,
        source=source,
        provider=provider,
        event_id=event_id,
    )


def room_participant_left(
    *,
    session: Any,
    user_id: int,
    at: datetime,
    provider: str = "",
    event_id: str = "",
    source: str = PresenceSource.PROVIDER,
) -> str:
    """Someone left the room: a recording paused for them resumes as a new segment once
    everyone still present has agreed."""
    return _participant_event(
        session=session,
        user_id=user_id,
        present=False,
        at=at,
        source=source,
        provider=provider,
        event_id=event_id,
    )


def room_events_record(*, provider: str, events: list[RoomEvent]) -> int:
    """A provider's webhook events, each on its own and once: participant joins and leaves
    applied to who is present (a join someone has not agreed to stops the segment before this
    returns), egress events to their segment (services/egress.py); returns how many changed
    something."""
    applied = 0
    for event in events:
        if event.kind in EGRESS_KINDS:
            outcome = egress_event_record(provider=provider, event=event)
            applied += outcome not in ("duplicate", "unknown")
            continue
        if event.kind not in ("participant_joined", "participant_left") or event.user_id is None:
            continue
        session = session_for_room(event.room_name)
        if session is None:
            continue
        record = (
            room_participant_joined
            if event.kind == "participant_joined"
            else (room_participant_left)
        )
        outcome = record(
            session=session,
            user_id=event.user_id,
            at=event.at,
            provider=provider,
            event_id=event.event_id,
        )
        applied += outcome not in ("duplicate", "stale")
    return applied


def presence_changed(
    *, session: Any, user_id: int, joined: bool, at: datetime, through_harbor: bool
) -> None:
    """sessions_app's room listener. A join through Harbor (before the room's address is given)
    or recorded by the session page counts whatever the recorder; a leave counts only for a
    recorder that trusts Harbor's events (LiveKit's own webhooks say who left its rooms)."""
    source = PresenceSource.HARBOR
    if joined:
        room_participant_joined(session=session, user_id=user_id, at=at, source=source)
    elif presence_from_harbor(provider_for(session)):
        room_participant_left(session=session, user_id=user_id, at=at, source=source)


def consent_changed(*, client: ClientProfile, kind: str, granted: bool, at: datetime) -> None:
    """The consent ledger's receiver: a withdrawal pauses at once every recording for that
    purpose the client is present in; a grant may let a paused one resume."""
    purposes = [purpose for purpose, needs in CONSENT_FOR_PURPOSE.items() if needs == kind]
    if not purposes:
        return
    session_ids = RoomPresence.objects.filter(user_id=client.user_id, present=True).values(
        "session_id"
    )
    for recording in Recording.objects.filter(
        session_id__in=session_ids,
        purpose__in=purposes,
        state__in=[RecordingState.RECORDING, RecordingState.PAUSED],
    ).select_related("session"):
        recordings_rule_check(recording_id=recording.pk, cause="a consent change")


# A recording still running this long after its session's end stops by itself.
OVERRUN = timedelta(minutes=30)


def recordings_rule_check(*, recording_id: int, cause: str = "a check") -> str:
    """Apply the rule to one recording now (who is present, who consents); one left running
    well after its session ended is stopped."""
    now = timezone.now()
    with transaction.atomic():
        recording = Recording.objects.select_related("session").get(pk=recording_id)
        session = recording.session
        session_lock(recording.session_id)
        locked = active_recording_locked(recording.session_id)
        if locked is None or locked.pk != recording_id:
            return "inactive"
        if now >= session.ends_at + OVERRUN:
            stop_locked(locked, session, actor=None, now=now, reason="The session had ended.")
            return "stopped"
        return rule_apply(locked, session, now=now, cause=cause)


def recordings_rule_tick() -> int:
    """The rule re-applied to every running or paused recording (a safety net under the events:
    a receiver that failed, a consent document that now requires re-consent); returns how many
    changed state."""
    ids = list(
        Recording.objects.filter(
            state__in=[RecordingState.RECORDING, RecordingState.PAUSED]
        ).values_list("pk", flat=True)
    )
    changed = 0
    for recording_id in ids:
        try:
            outcome = recordings_rule_check(recording_id=recording_id, cause="the periodic check")
        except Exception:  # noqa: BLE001 - one recording's fault must not stop the others
            log.exception("the rule check of recording %s failed", recording_id)
            continue
        changed += outcome in ("paused", "resumed", "stopped")
    return changed
