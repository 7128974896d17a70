"""When a message may go out: expiry, opt-outs, SMS consent, quiet hours and a rate limit.

Crisis messages ignore quiet hours, the rate limit and the SMS consent (an emergency purpose);
account messages (sign-in codes, test messages) are asked for by the recipient, so they ignore
quiet hours but not the rate limit;
nothing overrides a STOP, which carriers enforce anyway: a crisis text to an opted-out number
becomes a voice call instead (see services.dispatch).
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db.models import Min

from iop.notify.models import Channel, OutboundMessage, Purpose, SmsOptOut, Status

RATE_WINDOW = timedelta(hours=1)
QUIET_PURPOSES = frozenset({Purpose.REMINDER, Purpose.OUTREACH, Purpose.SUPPORT})


@dataclass(frozen=True)
class Hold:
    """Not now: try again at `until`."""

    until: datetime
    reason: str


@dataclass(frozen=True)
class Block:
    """Never: the message ends with `status`, and a crisis text may fall back to a call."""

    status: str
    code: str
    reason: str


def recipient_zone(message: OutboundMessage) -> zoneinfo.ZoneInfo:
    user = message.user or (message.client.user if message.client is not None else None)
    name = getattr(user, "time_zone", "") or settings.TIME_ZONE
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def quiet_hours_end(now: datetime, zone: zoneinfo.ZoneInfo) -> datetime | None:
    """If `now` is inside quiet hours in `zone`, when they end; else None."""
    start, end = settings.NOTIFY_QUIET_START, settings.NOTIFY_QUIET_END
    if start == end:
        return None
    local = now.astimezone(zone)
    hour = local.hour
    quiet = (hour >= start or hour < end) if start > end else (start <= hour < end)
    if not quiet:
        return None
    day = local.date() if hour < end else local.date() + timedelta(days=1)
    return datetime.combine(day, time(end), tzinfo=zone)


def rate_limit_release(message: OutboundMessage, now: datetime) -> datetime | None:
    """If the recipient has had their hourly share of non-crisis messages, when it frees up."""
    limit = settings.NOTIFY_RATE_LIMIT_PER_HOUR
    recent = (
        OutboundMessage.objects.filter(to=message.to, sent_at__gte=now - RATE_WINDOW)
        .exclude(purpose=Purpose.CRISIS)
        .exclude(pk=message.pk)
    )
    if recent.count() < limit:
        return None
    oldest = recent.aggregate(oldest=Min("sent_at"))["oldest"]
    return oldest + RATE_WINDOW


def sms_opt_out_of(phone: str) -> SmsOptOut | None:
    return SmsOptOut.objects.filter(phone=phone, is_opted_out=True).first()


def _needs_sms_consent(message: OutboundMessage) -> bool:
    return (
        message.channel == Channel.SMS
        and message.purpose != Purpose.CRISIS
        and message.client is not None
        and message.user_id == message.client.user_id
    )


def decide(message: OutboundMessage, now: datetime) -> Hold | Block | None:
    """None when the message may be sent now."""
    from iop.consents.models import ConsentKind
    from iop.consents.selectors import consent_is_active

    if message.expires_at and now >= message.expires_at:
        return Block(
            Status.FAILED, "expired", "Not sent: it was no longer useful after its expiry."
        )
    if message.channel == Channel.SMS:
        opt_out = sms_opt_out_of(message.to)
        if opt_out is not None:
            return Block(
                Status.UNDELIVERABLE,
                "opted-out",
                f"The number replied STOP ({opt_out.changed_at:%Y-%m-%d %H:%M} UTC).",
            )
    if (
        _needs_sms_consent(message)
        and message.client is not None
        and not consent_is_active(message.client, ConsentKind.SMS)
    ):
        return Block(
            Status.UNDELIVERABLE, "no-consent", "The client has not agreed to text messages."
        )
    if message.purpose == Purpose.CRISIS:
        return None
    if message.channel in (Channel.SMS, Channel.VOICE) and message.purpose in QUIET_PURPOSES:
        zone = recipient_zone(message)
        until = quiet_hours_end(now, zone)
        if until is not None:
            return Hold(until, f"Quiet hours in {zone.key} until {until:%H:%M}.")
    if message.channel in (Channel.SMS, Channel.VOICE, Channel.EMAIL):
        until = rate_limit_release(message, now)
        if until is not None:
            return Hold(until, f"Rate limit: {settings.NOTIFY_RATE_LIMIT_PER_HOUR} an hour.")
    return None
