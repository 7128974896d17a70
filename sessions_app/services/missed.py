"""The beat ticks: missed sessions, finalising, and presence that went silent.

Each tick claims due rows through a partial index with FOR UPDATE SKIP LOCKED, handles them in
the same transaction and clears the timer column, so a session is handled exactly once however
many ticks run at the same time, and a crash mid-way leaves the timer set for the next tick.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from iop.accounts.models import ClientProfile
from iop.audit.models import Action
from iop.audit.services import access_record, access_record_many
from iop.consents.models import ConsentKind
from iop.consents.selectors import consent_active_among
from iop.domain import DomainError, NotAllowed
from iop.notify.models import Channel, OutboundMessage, Purpose
from iop.notify.services.outbox import message_enqueue_many
from iop.realtime.publish import publish
from sessions_app import risk
from sessions_app.live import to_facilitators
from sessions_app.models import (
    AlertReason,
    Attendance,
    AttendanceStatus,
    EngagementAlert,
    EventKind,
    EventSource,
    Presence,
    Session,
)
from sessions_app.selectors import care_team_ids, expected_by_session, facilitator_ids
from sessions_app.services.attendance import attendance_event_record, session_finalise
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


def sessions_missed_tick(*, now: datetime | None = None, batch: int = CLAIM_BATCH) -> int:
    """Handle every session whose grace period has passed; returns how many were handled."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = _claim("missed_check_due_at", now, batch)
        if not ids:
            return 0
        sessions = list(
            Session.objects.filter(pk__in=ids).select_related("program", "group", "client__user")
        )
        expected = expected_by_session(sessions)
        for session in sessions:
            try:
                with transaction.atomic():
                    missed_check(session, expected[session.pk], now=now)
            except Exception:  # noqa: BLE001 - one bad session must not hold up the others
                log.exception(
                    "missed-session check of session %s failed; retrying later", session.pk
                )
                Session.objects.filter(pk=session.pk).update(missed_check_due_at=now + RETRY_AFTER)
    return len(ids)


def missed_check(
    session: Session, clients: list[ClientProfile], *, now: datetime
) -> list[Attendance]:
    """Every expected client who has not joined: a no-show, a 'we missed you', maybe an alert."""
    existing = {a.client_id: a for a in Attendance.objects.filter(session=session)}
    missing = []
    for client in clients:
        attendance = existing.get(client.pk)
        if attendance is not None and (
            attendance.first_joined_at
            or attendance.reported_tech_issue
            or attendance.corrected_status
        ):
            continue  # joined, told us they cannot connect, or excused by staff
        missing.append(client)
    new = [
        Attendance(
            session=session,
            client=client,
            session_starts_at=session.starts_at,
            derived_status=AttendanceStatus.NO_SHOW,
        )
        for client in missing
        if client.pk not in existing
    ]
    Attendance.objects.bulk_create(new)
    rows = {**existing, **{a.client_id: a for a in new}}
    facilitators = facilitator_ids(session)
    reasons = _alert_reasons(session, missing)
    texting = consent_active_among([c for c in missing if c.user.phone], ConsentKind.SMS)
    access_record_many(actor=None, action=Action.CREATE, entries=[(c, rows[c.pk]) for c in missing])
    outreach = {
        c.pk: spec
        for c in missing
        if (spec := _we_missed_you(session, c, sms=c.pk in texting)) is not None
    }
    sent = dict(zip(outreach, message_enqueue_many(list(outreach.values())), strict=True))
    for client in missing:
        attendance = rows[client.pk]
        attendance.derived_status = AttendanceStatus.NO_SHOW
        attendance.outreach_message = sent.get(client.pk)
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
        )
        if client.pk in reasons:
            _raise_alert(session, client, reasons[client.pk])
    Attendance.objects.bulk_update(
        [rows[c.pk] for c in missing], ["derived_status", "outreach_message", "updated_at"]
    )
    Session.objects.filter(pk=session.pk).update(missed_check_due_at=None, missed_checked_at=now)
    return [rows[c.pk] for c in missing]


def _channel_word(message: OutboundMessage | None) -> str:
    if message is None:
        return "nothing (no phone or email on file)"
    return "text" if message.channel == Channel.SMS else "email"


def _we_missed_you(session: Session, client: ClientProfile, *, sms: bool) -> dict[str, Any] | None:
    """The 'we missed you' to enqueue, as `message_enqueue` arguments (None: no phone or email).

    `sms`: the client has active SMS consent (asked for all the no-shows at once).
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
            "link": session_link(session),
        },
        expires_at=session.ends_at,
    )


def _previous_statuses(session: Session, client_ids: list[int]) -> dict[int, str]:
    """Each client's attendance at the session they were expected at before this one."""
    if not client_ids:
        return {}
    rows = (
        Attendance.objects.filter(client_id__in=client_ids, session_starts_at__lt=session.starts_at)
        .exclude(session_id=session.pk)
        .exclude(session__status="cancelled")
        .order_by("client_id", "-session_starts_at")
        .distinct("client_id")
        .only("client_id", "derived_status", "corrected_status")
    )
    return {a.client_id: a.status for a in rows}


def _alert_reasons(session: Session, clients: list[ClientProfile]) -> dict[int, str]:
    """Two no-shows in a row, or one after a high-risk check-in: the care team reaches out."""
    previous = _previous_statuses(session, [c.pk for c in clients])
    reasons = {
        c.pk: AlertReason.CONSECUTIVE_NO_SHOWS
        for c in clients
        if previous.get(c.pk) == AttendanceStatus.NO_SHOW
    }
    for client_id in risk.high_risk_among([c for c in clients if c.pk not in reasons]):
        reasons[client_id] = AlertReason.HIGH_RISK_NO_SHOW
    return reasons


def engagement_check(
    session: Session, client: ClientProfile, *, now: datetime
) -> EngagementAlert | None:
    """Raise the engagement alert for this missed session if the client's history calls for one."""
    reason = _alert_reasons(session, [client]).get(client.pk)
    return _raise_alert(session, client, reason) if reason else None


def _raise_alert(session: Session, client: ClientProfile, reason: str) -> EngagementAlert:
    alert, created = EngagementAlert.objects.get_or_create(
        client=client, session=session, defaults={"reason": reason}
    )
    if created:
        access_record(actor=None, action=Action.CREATE, client=client, obj=alert)
        publish(
            "sessions.engagement_alert",
            {
                "alert_id": alert.pk,
                "client_id": client.pk,
                "session_id": session.pk,
                "reason": reason,
                "title": f"Engagement alert: {client.user.display_name}: {AlertReason(reason).label.lower()}.",
                "url": f"/staff/clients/{client.pk}/",
            },
            user_ids=care_team_ids(client),
        )
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
                    source=EventSource.SYSTEM,
                    at=min(still.last_seen_at, presence.session.ends_at),
                    detail="The session page stopped sending heartbeats.",
                )
            except DomainError:  # cancelled meanwhile, or no longer expected: just clear it
                Presence.objects.filter(pk=presence.pk).update(in_room=False)
                continue
            recorded += event is not None
    return recorded


def engagement_alert_acknowledge(*, actor: Any, alert: EngagementAlert) -> EngagementAlert:
    """A member of the care team has picked the alert up."""
    if actor is None or not getattr(actor, "is_clinical", False):
        raise NotAllowed("Only clinical staff acknowledge engagement alerts.")
    with transaction.atomic():
        alert = (
            EngagementAlert.objects.select_for_update().select_related("client").get(pk=alert.pk)
        )
        if alert.acknowledged_at is None:
            alert.acknowledged_by = actor
            alert.acknowledged_at = timezone.now()
            alert.save(update_fields=["acknowledged_by", "acknowledged_at"])
            access_record(actor=actor, action=Action.UPDATE, client=alert.client, obj=alert)
    return alert
