"""The beat ticks: missed sessions, finalising, and presence that went silent.

Each tick claims due rows through a partial index with FOR UPDATE SKIP LOCKED, handles them in
the same transaction and clears the timer column, so a session is handled exactly once however
many ticks run at the same time, and a crash mid-way leaves the timer set for the next tick.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from iop.accounts.models import ClientProfile
from iop.audit.models import Action
from iop.audit.services import access_record, access_record_many
from iop.domain import DomainError, NotAllowed
from iop.notify.models import Channel, OutboundMessage, Purpose
from iop.notify.services.outbox import message_enqueue_many
from iop.viewer import Actor, person_of
from sessions_app.live import audit_deliveries, to_facilitators
from sessions_app.models import (
    AlertReason,
    Attendance,
    AttendanceEventSource,
    AttendanceStatus,
    EngagementAlert,
    EventKind,
    Presence,
    Session,
)
from sessions_app.roll_call import Expected, roll_call
from sessions_app.services.attendance import attendance_event_record, session_finalise
from sessions_app.services.engagement import engagement_alert_raise
from sessions_app.wording import session_link, session_name, when_text

log = logging.getLogger(__name__)

CLAIM_BATCH = 20
RETRY_AFTER = timedelta(minutes=1)


def _claim(column: str, now: datetime, batch: int) -> list[int]:
    return list(
        Session.objects.select_for_update(skip_locked=True)
        .filter(**{f"{column}__lte": now})
        .order_by(column)
        .values_list("pk", flat=True)[:batch]
    )


# What the check reads of a session (anything else would cost a query per session).
SESSION_FIELDS = (
    "id",
    "program_id",
    "group_id",
    "client_id",
    "facilitator_id",
    "kind",
    "title",
    "starts_at",
    "ends_at",
    "local_date",
    "status",
)

# Claim and clear in one statement: lock the due rows (skipping rows another tick holds), clear
# their timer, and return what the check needs, with the group's facilitators. If the tick's
# transaction fails, the timer comes back with the rollback.
_CLAIM_SQL = f"""
UPDATE sessions_app_session AS s
SET missed_check_due_at = NULL, missed_checked_at = %(now)s
FROM (
    SELECT id FROM sessions_app_session
    WHERE missed_check_due_at <= %(now)s
    ORDER BY missed_check_due_at
    LIMIT %(batch)s
    FOR UPDATE SKIP LOCKED
) AS due
WHERE s.id = due.id
RETURNING {", ".join(f"s.{f}" for f in SESSION_FIELDS)},
    ARRAY(SELECT f.user_id FROM sessions_app_group_facilitators f WHERE f.group_id = s.group_id)
        AS group_facilitator_ids
"""  # noqa: S608 - only constant column names are interpolated


@dataclass(frozen=True)
class _Claimed:
    """A claimed session (SESSION_FIELDS loaded) and the facilitators of its group."""

    session: Session
    group_facilitator_ids: list[int]


def _claim_sessions(now: datetime, batch: int) -> list[_Claimed]:
    """The due sessions (at most `batch`, the longest due first), locked, their timer cleared."""
    return [
        # The raw query sets the extra column as an attribute; it is read once, here.
        _Claimed(session, vars(session).pop("group_facilitator_ids"))
        for session in Session.objects.raw(_CLAIM_SQL, {"now": now, "batch": batch})
    ]


def sessions_missed_tick(*, now: datetime | None = None, batch: int = CLAIM_BATCH) -> int:
    """Handle every session whose grace period has passed; returns how many were handled."""
    now = now or timezone.now()
    with transaction.atomic():
        claimed = sorted(
            _claim_sessions(now, batch), key=lambda c: (c.session.starts_at, c.session.pk)
        )
        if not claimed:
            return 0
        expected = roll_call([c.session.pk for c in claimed], at=now)
        for claim in claimed:
            session = claim.session
            facilitators = sorted({session.facilitator_id, *claim.group_facilitator_ids})
            try:
                with transaction.atomic():
                    missed_check(session, expected[session.pk], facilitators, now=now)
            except Exception:  # noqa: BLE001 - one bad session must not hold up the others
                log.exception(
                    "missed-session check of session %s failed; retrying later", session.pk
                )
                Session.objects.filter(pk=session.pk).update(
                    missed_check_due_at=now + RETRY_AFTER, missed_checked_at=None
                )
    return len(claimed)


def missed_check(
    session: Session, expected: list[Expected], facilitators: list[int], *, now: datetime
) -> list[Attendance]:
    """Every expected client who has not joined: a no-show, a 'we missed you', maybe an alert.

    `expected` is the session's roll call; `facilitators` the staff who see it live.
    """
    absent = [e for e in expected if not e.accounted_for]
    reasons = {e.client.pk: reason for e in absent if (reason := _alert_reason(e))}
    link = session_link(session)
    outreach = {
        e.client.pk: spec
        for e in absent
        if (spec := _we_missed_you(session, e.client, sms=e.may_text, link=link)) is not None
    }
    sent = dict(zip(outreach, message_enqueue_many(list(outreach.values())), strict=True))
    rows = []
    for entry in absent:
        if entry.attendance_id is None:
            attendance = Attendance(
                session=session, client=entry.client, session_starts_at=session.starts_at
            )
        else:  # the client has a row (opened the page without joining, say): rare
            attendance = Attendance.objects.select_for_update().get(pk=entry.attendance_id)
            attendance.client = entry.client  # already loaded, with the user
        attendance.derived_status = AttendanceStatus.NO_SHOW
        attendance.outreach_message = sent.get(entry.client.pk)
        if attendance.pk is not None:
            attendance.save(update_fields=["derived_status", "outreach_message", "updated_at"])
        rows.append(attendance)
    Attendance.objects.bulk_create([a for a in rows if a.pk is None])
    access_record_many(actor=None, action=Action.CREATE, entries=[(a.client, a) for a in rows])
    for attendance in rows:
        client = attendance.client
        to_facilitators(
            session,
            "session.missed",
            {
                "client_id": client.pk,
                "status": AttendanceStatus.NO_SHOW,
                "status_label": AttendanceStatus.NO_SHOW.label,
                "outreach": attendance.outreach_message.channel
                if attendance.outreach_message
                else "",
                "title": f"{client.user.display_name} has not joined {session_name(session)}: "
                f"we sent a 'we missed you' {_channel_word(attendance.outreach_message)}.",
            },
            user_ids=facilitators,
            audit=False,
        )
        if client.pk in reasons:
            _raise_alert(session, client, reasons[client.pk])
    audit_deliveries(facilitators, [a.client_id for a in rows], "session.missed")
    return rows


def _channel_word(message: OutboundMessage | None) -> str:
    if message is None:
        return "nothing (no phone or email on file)"
    return "text" if message.channel == Channel.SMS else "email"


def _we_missed_you(
    session: Session, client: ClientProfile, *, sms: bool, link: str
) -> dict[str, Any] | None:
    """The 'we missed you' to enqueue, as `message_enqueue` arguments (None: no phone or email).

    `sms`: the client has active consent to texts (from the roll call).
    """
    user = client.user
    if user.phone and sms:
        channel = Channel.SMS
    elif user.email:
        channel = Channel.EMAIL
    else:
        return None
    return dict(
        actor=None,
        channel=channel,
        purpose=Purpose.OUTREACH,
        idempotency_key=f"missed:{session.pk}:{client.pk}",
        user=user,
        client=client,
        about=session,
        subject=f"We missed you at {session_name(session)}",
        template="sessions_app/messages/missed.txt",
        context={
            "clinic": settings.CLINIC_NAME,
            "title": session_name(session),
            "when": when_text(session.starts_at, user.time_zone),
            "link": link,
        },
        expires_at=session.ends_at,
    )


def _alert_reason(entry: Expected) -> str | None:
    """Two no-shows in a row, or one after a high-risk check-in: the care team reaches out."""
    if entry.previous_status == AttendanceStatus.NO_SHOW:
        return AlertReason.CONSECUTIVE_NO_SHOWS
    if entry.high_risk:
        return AlertReason.HIGH_RISK_NO_SHOW
    return None


def engagement_check(
    session: Session, client: ClientProfile, *, now: datetime
) -> EngagementAlert | None:
    """Raise the engagement alert for this missed session if the client's history calls for one."""
    entry = next(
        (e for e in roll_call([session.pk], at=now)[session.pk] if e.client.pk == client.pk), None
    )
    reason = _alert_reason(entry) if entry is not None else None
    return _raise_alert(session, client, reason) if reason else None


def _raise_alert(session: Session, client: ClientProfile, reason: str) -> EngagementAlert:
    alert, _ = engagement_alert_raise(client=client, reason=reason, session=session)
    return alert


def sessions_finalise_tick(*, now: datetime | None = None, batch: int = CLAIM_BATCH) -> int:
    """Finalise the attendance of sessions that have ended (plus a small margin)."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = _claim("finalise_due_at", now, batch)
        for session in Session.objects.filter(pk__in=ids):
            try:
                with transaction.atomic():
                    session_finalise(session=session, now=now)
            except Exception:  # noqa: BLE001
                log.exception("finalising session %s failed; retrying later", session.pk)
                Session.objects.filter(pk=session.pk).update(finalise_due_at=now + RETRY_AFTER)
    return len(ids)


def presence_sweep(*, now: datetime | None = None, batch: int = 200) -> int:
    """A session page that stopped sending heartbeats has disconnected (at its last heartbeat)."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.SESSIONS_PRESENCE_TIMEOUT_SECONDS)
    stale = list(
        Presence.objects.filter(in_room=True, last_seen_at__lt=cutoff)
        .select_related("session", "client__user")
        .order_by("last_seen_at")[:batch]
    )
    recorded = 0
    for presence in stale:
        with transaction.atomic():
            # Re-read under the session lock the event service takes: a heartbeat may have won.
            still = Presence.objects.filter(
                pk=presence.pk, in_room=True, last_seen_at__lt=cutoff
            ).first()
            if still is None:
                continue
            try:
                event = attendance_event_record(
                    actor=None,
                    session=presence.session,
                    client=presence.client,
                    kind=EventKind.DISCONNECT,
                    source=AttendanceEventSource.SYSTEM,
                    at=min(still.last_seen_at, presence.session.ends_at),
                    detail="The session page stopped sending heartbeats.",
                )
            except DomainError:  # cancelled meanwhile, or no longer expected: just clear it
                Presence.objects.filter(pk=presence.pk).update(in_room=False)
                continue
            recorded += event is not None
    return recorded


def engagement_alert_acknowledge(*, actor: Actor, alert: EngagementAlert) -> EngagementAlert:
    """A member of the care team has picked the alert up."""
    person = person_of(actor)
    if person is None or not person.is_clinical:
        raise NotAllowed("Only clinical staff acknowledge engagement alerts.")
    with transaction.atomic():
        alert = (
            EngagementAlert.objects.select_for_update().select_related("client").get(pk=alert.pk)
        )
        if alert.acknowledged_at is None:
            alert.acknowledged_by = person
            alert.acknowledged_at = timezone.now()
            alert.save(update_fields=["acknowledged_by", "acknowledged_at"])
            access_record(actor=actor, action=Action.UPDATE, client=alert.client, obj=alert)
    return alert
