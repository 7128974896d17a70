"""Reminders and schedule-change notices, all through the outbox (which keeps quiet hours).

A reminder is one outbox message per session, client, channel and offset, queued with
`not_before` = start − offset and expiring at the start. Its idempotency key carries the
session's start and revision, so a moved session gets new reminders while the old ones are
cancelled; re-running the scheduler never makes a second message. Reminders are queued for
sessions inside SESSIONS_REMINDER_WINDOW_HOURS (an hourly beat task moves the window along),
so a phone number changed next month is the one a reminder goes to.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from iop.accounts.models import ClientProfile
from iop.consents.models import ConsentKind
from iop.consents.selectors import consent_is_active
from iop.notify.models import Channel, Purpose
from iop.notify.services.cancel import message_cancel
from iop.notify.services.outbox import message_enqueue
from sessions_app.models import (
    ProgramSessionSettings,
    ReminderPreference,
    Session,
    SessionReminder,
    SessionStatus,
)
from sessions_app.selectors import expected_by_session, expected_clients, program_settings
from sessions_app.wording import session_link, session_name, when_text

# Schedule changes further ahead than this are not texted; the portal and iCal feed show them.
NOTICE_AHEAD = timedelta(days=7)


def reminder_window() -> timedelta:
    return timedelta(hours=settings.SESSIONS_REMINDER_WINDOW_HOURS)


def reminder_key(session: Session, client: ClientProfile, offset: int, channel: str) -> str:
    epoch = int(session.starts_at.timestamp())
    return f"reminder:{session.pk}:{client.pk}:{offset}:{epoch}:{channel}:r{session.revision}"


def channels_for(
    client: ClientProfile,
    *,
    program_settings_row: ProgramSessionSettings,
    preference: ReminderPreference | None,
) -> list[Channel]:
    """The channels this client gets session messages on: texts need a number and SMS consent."""
    wanted: list[Channel] = []
    by_sms = preference.by_sms if preference else True
    by_email = preference.by_email if preference else True
    if (
        program_settings_row.remind_by_sms
        and by_sms
        and client.user.phone
        and consent_is_active(client, ConsentKind.SMS)
    ):
        wanted.append(Channel.SMS)
    if program_settings_row.remind_by_email and by_email and client.user.email:
        wanted.append(Channel.EMAIL)
    return wanted


def _context(session: Session, client: ClientProfile, channel: str, **extra: str) -> dict[str, Any]:
    return {
        "clinic": settings.CLINIC_NAME,
        "title": session_name(session),
        "when": when_text(session.starts_at, client.user.time_zone),
        "link": session_link(session),
        "sms": channel == Channel.SMS,
        **extra,
    }


def reminders_schedule(
    session: Session, *, now: datetime | None = None, clients: Iterable[ClientProfile] | None = None
) -> int:
    """Queue the reminders this session still needs (inside the window); returns how many."""
    now = now or timezone.now()
    if session.status != SessionStatus.SCHEDULED or session.starts_at <= now:
        return 0
    if session.starts_at - now > reminder_window():
        return 0
    clients = list(clients) if clients is not None else expected_clients(session)
    if not clients:
        return 0
    program_row = program_settings(session.program_id)
    existing = set(
        SessionReminder.objects.filter(session=session, revision=session.revision).values_list(
            "client_id", "offset_minutes", "channel"
        )
    )
    preferences = {
        p.client_id: p
        for p in ReminderPreference.objects.filter(client__in=[c.pk for c in clients])
    }
    made = 0
    with transaction.atomic():
        for client in clients:
            channels = channels_for(
                client, program_settings_row=program_row, preference=preferences.get(client.pk)
            )
            for channel in channels:
                for offset in program_row.reminder_offsets_minutes:
                    send_at = session.starts_at - timedelta(minutes=offset)
                    if send_at <= now or (client.pk, offset, channel) in existing:
                        continue
                    message = message_enqueue(
                        actor=None,
                        channel=channel,
                        purpose=Purpose.REMINDER,
                        idempotency_key=reminder_key(session, client, offset, channel),
                        user=client.user,
                        client=client,
                        about=session,
                        subject=f"Reminder: {session_name(session)}",
                        template="sessions_app/messages/reminder.txt",
                        context=_context(session, client, channel),
                        not_before=send_at,
                        expires_at=session.starts_at,
                    )
                    SessionReminder.objects.get_or_create(
                        message=message,
                        defaults={
                            "session": session,
                            "client": client,
                            "offset_minutes": offset,
                            "channel": channel,
                            "revision": session.revision,
                        },
                    )
                    made += 1
    return made


def reminders_cancel(
    session: Session,
    *,
    reason: str,
    clients: Iterable[ClientProfile] | None = None,
    channel: str | None = None,
) -> int:
    """Withdraw the session's queued reminders (for some clients / one channel only, if given)."""
    rows = SessionReminder.objects.filter(session=session)
    if clients is not None:
        rows = rows.filter(client__in=[c.pk for c in clients])
    if channel is not None:
        rows = rows.filter(channel=channel)
    return message_cancel(
        actor=None, message_ids=rows.values_list("message_id", flat=True), reason=reason
    )


def reminders_schedule_upcoming(*, now: datetime | None = None) -> int:
    """Queue reminders for every session starting inside the window (the hourly beat task)."""
    now = now or timezone.now()
    sessions = list(
        Session.objects.filter(
            status=SessionStatus.SCHEDULED,
            starts_at__gt=now,
            starts_at__lte=now + reminder_window(),
        ).select_related("client__user", "group")
    )
    expected = expected_by_session(sessions)
    return sum(reminders_schedule(s, now=now, clients=expected[s.pk]) for s in sessions)


def notices_send(
    session: Session,
    *,
    kind: str,
    clients: Iterable[ClientProfile],
    now: datetime | None = None,
    reason: str = "",
) -> int:
    """Tell clients a near session was cancelled or moved (kind: 'cancelled' or 'moved')."""
    now = now or timezone.now()
    if session.starts_at <= now or session.starts_at - now > NOTICE_AHEAD:
        return 0
    program_row = program_settings(session.program_id)
    clients = list(clients)
    preferences = {
        p.client_id: p
        for p in ReminderPreference.objects.filter(client__in=[c.pk for c in clients])
    }
    sent = 0
    for client in clients:
        for channel in channels_for(
            client, program_settings_row=program_row, preference=preferences.get(client.pk)
        ):
            epoch = int(session.starts_at.timestamp())
            message_enqueue(
                actor=None,
                channel=channel,
                purpose=Purpose.REMINDER,
                idempotency_key=f"{kind}:{session.pk}:{client.pk}:{epoch}:{channel}:r{session.revision}",
                user=client.user,
                client=client,
                about=session,
                subject=f"{session_name(session)} {'is cancelled' if kind == 'cancelled' else 'has moved'}",
                template=f"sessions_app/messages/{kind}.txt",
                context=_context(session, client, channel, reason=reason),
            )
            sent += 1
    return sent
