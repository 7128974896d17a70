"""Who is in the room, from the provider's participant events and Harbor's own, and the rule
applied to the session's recording each time that changes (or someone's consent does).

Events are hints: a provider event seen before (its id) is taken once, and one older than the
last event applied to that person changes nothing. At the same instant a join beats a leave
(the careful reading: the person may be in the room).

A person is a Harbor user (`user_id`) or, for anyone who did not sign in through Harbor (a
dial-in, a token Harbor did not mint, an identity naming no Harbor user), their `identity` in
the room: present without consent, so their join pauses the recording and their leave lets it
resume. `presence_reconcile_locked` compares the rows with the provider's participant list (the
reconcile tick), so a lost participant webhook is made up for.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from iop.accounts.models import ClientProfile, User
from recordings.consent_rule import session_lock
from recordings.models import (
    CONSENT_FOR_PURPOSE,
    PresenceSource,
    Recording,
    RecordingState,
    RoomPresence,
)
from recordings.models.presence import IDENTITY_MAX
from recordings.providers.base import RoomEvent, RoomParticipant
from recordings.providers.registry import presence_from_harbor, provider_for
from recordings.services.egress import EGRESS_KINDS, egress_event_record, event_first_sighting
from recordings.services.recording import active_recording_locked, rule_apply, stop_locked
from sessions_app.selectors import PARTICIPANT_PREFIX, session_for_room

log = logging.getLogger(__name__)


# The provider's list may lag a join Harbor applied a moment ago (a join through Harbor's page
# comes before the person reaches the room): someone Harbor learnt of this recently is not taken
# out of the room by the list.
LIST_GRACE = timedelta(seconds=60)


def identity_key(identity: str) -> str:
    """A room identity as a presence row keeps it (a long one shortened, still unique)."""
    if len(identity) <= IDENTITY_MAX:
        return identity
    digest = hashlib.sha256(identity.encode()).hexdigest()
    return f"{identity[: IDENTITY_MAX - 65]}~{digest}"


def _who(user_id: int | None, identity: str) -> tuple[int | None, str]:
    """The person an event is about: a Harbor user who exists, else their room identity (an
    identity naming no Harbor user is someone Harbor did not sign in)."""
    if user_id is not None:
        if User.objects.filter(pk=user_id).exists():
            return user_id, ""
        identity = f"{PARTICIPANT_PREFIX}{user_id}"
    if not identity:
        raise ValueError("a participant is a Harbor user or a room identity")
    return None, identity_key(identity)


def _presence_set(
    session: Any,
    user_id: int | None,
    *,
    identity: str = "",
    present: bool,
    at: datetime,
    source: str,
) -> bool:
    """Apply the event to the person's presence; False when it is older than what is known."""
    rows = RoomPresence.objects.select_for_update().filter(session=session)
    if user_id is not None:
        row = rows.filter(user_id=user_id).first()
    else:
        row = rows.filter(user__isnull=True, identity=identity).first()
    if row is None:
        RoomPresence.objects.create(
            session=session,
            user_id=user_id,
            identity="" if user_id is not None else identity,
            present=present,
            last_event_at=at,
            last_source=source,
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
    user_id: int | None,
    identity: str,
    present: bool,
    at: datetime,
    source: str,
    provider: str,
    event_id: str,
) -> str:
    user_id, identity = _who(user_id, identity)
    with transaction.atomic():
        if event_id and not event_first_sighting(provider, event_id):
            return "duplicate"
        session_lock(session.pk)
        if not _presence_set(
            session, user_id, identity=identity, present=present, at=at, source=source
        ):
            return "stale"
        recording = active_recording_locked(session.pk)
        if recording is None:
            return "noted"
        cause = "a join" if present else "a leave"
        return rule_apply(recording, session, now=timezone.now(), cause=cause)


def room_participant_joined(
    *,
    session: Any,
    user_id: int | None = None,
    identity: str = "",
    at: datetime,
    provider: str = "",
    event_id: str = "",
    source: str = PresenceSource.PROVIDER,
) -> str:
    """Someone is in the room (a Harbor user, or by `identity` someone who did not sign in
    through Harbor): a recording they have not agreed to pauses (its segment ends at the
    provider before this returns). Returns "paused", "held", "recording", "noted" (no recording), "stale", "duplicate"."""
    return _participant_event(
        session=session,
        user_id=user_id,
        identity=identity,
        present=True,
        at=at,
        source=source,
        provider=provider,
        event_id=event_id,
    )


def room_participant_left(
    *,
    session: Any,
    user_id: int | None = None,
    identity: str = "",
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
        identity=identity,
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
        if event.kind not in ("participant_joined", "participant_left"):
            continue
        if event.user_id is None and not event.identity:
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
            identity=event.identity,
            at=event.at,
            provider=provider,
            event_id=event.event_id,
        )
        applied += outcome not in ("duplicate", "stale")
    return applied


def presence_reconcile_locked(
    session: Any, listed: list[RoomParticipant], *, asked_at: datetime, now: datetime
) -> int:
    """The session's presence made to agree with the provider's participant list (asked for at
    `asked_at`), under the session's recording lock: someone listed whom Harbor does not have
    as present joins (a lost participant_joined); someone Harbor has as present who is not
    listed leaves (a lost participant_left), unless Harbor learnt of them within LIST_GRACE of
    the asking. Each change is an event at `asked_at` (an event applied since that is newer
    wins), then the rule is applied to the running recording. Returns how many changed."""
    ids = {p.user_id for p in listed if p.user_id is not None}
    users = set(User.objects.filter(pk__in=ids).values_list("pk", flat=True))
    identities = {identity_key(p.identity) for p in listed if p.user_id is None}
    identities |= {identity_key(f"{PARTICIPANT_PREFIX}{uid}") for uid in ids - users}
    rows = list(RoomPresence.objects.select_for_update().filter(session=session, present=True))
    changed = 0
    source = PresenceSource.RECONCILE
    for user_id in sorted(users - {r.user_id for r in rows}):
        changed += _presence_set(session, user_id, present=True, at=asked_at, source=source)
    for identity in sorted(identities - {r.identity for r in rows if r.user_id is None}):
        changed += _presence_set(
            session, None, identity=identity, present=True, at=asked_at, source=source
        )
    for row in rows:
        listed_now = row.user_id in users if row.user_id is not None else row.identity in identities
        if listed_now or row.updated_at > asked_at - LIST_GRACE:
            continue
        changed += _presence_set(
            session,
            row.user_id,
            identity=row.identity,
            present=False,
            at=asked_at,
            source=source,
        )
    if changed:
        recording = active_recording_locked(session.pk)
        if recording is not None:
            rule_apply(recording, session, now=now, cause="the room's participant list")
    return changed


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
