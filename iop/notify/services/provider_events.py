"""What the provider tells us: delivery receipts, inbound texts and calls, STOP and START."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from iop.accounts.models import ClientProfile, User
from iop.notify import receivers
from iop.notify.models import (
    STATUS_RANK,
    Channel,
    DeliveryReceipt,
    InboundMessage,
    OutboundMessage,
    SmsOptOut,
    Status,
)
from iop.notify.services.outbox import announce_problem
from iop.realtime.publish import publish_about_client

log = logging.getLogger(__name__)

# Twilio's message and call statuses, as outbox statuses.
PROVIDER_STATUSES = {
    "accepted": Status.SENT,
    "scheduled": Status.SENT,
    "queued": Status.SENT,
    "sending": Status.SENT,
    "sent": Status.SENT,
    "delivered": Status.DELIVERED,
    "read": Status.DELIVERED,
    "undelivered": Status.UNDELIVERABLE,
    "failed": Status.FAILED,
    "canceled": Status.FAILED,
    "initiated": Status.SENT,
    "ringing": Status.SENT,
    "in-progress": Status.SENT,
    "answered": Status.SENT,
    "completed": Status.DELIVERED,
    "busy": Status.UNDELIVERABLE,
    "no-answer": Status.UNDELIVERABLE,
}
# Twilio's default opt-out keywords; YES only counts as START for a number that said STOP.
STOP_WORDS = frozenset(
    {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "optout", "revoke"}
)
START_WORDS = frozenset({"start", "unstop"})
HELP_WORDS = frozenset({"help", "info"})


def receipt_apply(
    *, provider_id: str, provider_status: str, error_code: str = "", message_id: int | None = None
) -> DeliveryReceipt:
    """Apply a delivery receipt; it only moves a message forward, so repeats are inert."""
    provider_status = provider_status.strip().lower()
    error_code = (error_code or "").strip()
    now = timezone.now()
    with transaction.atomic():
        rows = OutboundMessage.objects.select_for_update(of=("self",)).select_related("client")
        message = rows.filter(provider_id=provider_id).first() if provider_id else None
        if message is None and message_id is not None:
            # The worker may have died after Twilio took the message and before it saved the id.
            message = rows.filter(pk=message_id, provider_id__in=["", provider_id]).first()
        new = PROVIDER_STATUSES.get(provider_status)
        applied = bool(
            message is not None
            and new is not None
            and STATUS_RANK[new] > STATUS_RANK[message.status]
        )
        if applied and message is not None and new is not None:
            _advance(message, new, provider_id, provider_status, error_code, now)
        receipt = DeliveryReceipt.objects.create(
            message=message,
            provider_id=provider_id[:64],
            provider_status=provider_status[:32],
            error_code=error_code[:32],
            applied=applied,
        )
    return receipt


def _advance(
    message: OutboundMessage,
    new: str,
    provider_id: str,
    raw: str,
    error_code: str,
    now: datetime,
) -> None:
    from iop.notify.services.dispatch import fall_back_to_voice

    message.provider_id = message.provider_id or provider_id
    message.provider_status = raw
    message.status = new
    message.claim = None
    message.sent_at = message.sent_at or now
    message.hold_reason = ""
    if new == Status.DELIVERED:
        message.delivered_at = message.finished_at = now
    elif new in (Status.FAILED, Status.UNDELIVERABLE):
        message.finished_at = now
        message.error_code = error_code or raw
        message.error_message = f"The provider reported the message {raw}" + (
            f" (error {error_code})." if error_code else "."
        )
        if error_code == "21610":
            opt_out_set(phone=message.to, opted_out=True, source="provider", detail="Twilio 21610")
    message.save()
    if new in (Status.FAILED, Status.UNDELIVERABLE):
        if message.purpose == "crisis" and message.channel == Channel.SMS:
            fall_back_to_voice(message)
        announce_problem(message)


def opt_out_set(*, phone: str, opted_out: bool, source: str, detail: str = "") -> SmsOptOut:
    """Record that a number said STOP (or START) or that the provider says it is unsubscribed."""
    row, _ = SmsOptOut.objects.update_or_create(
        phone=phone,
        defaults={
            "is_opted_out": opted_out,
            "source": source,
            "detail": detail[:200],
            "changed_at": timezone.now(),
        },
    )
    client = _client_by_phone(phone)[1]
    if client is not None:
        publish_about_client(
            "notify.opt_out" if opted_out else "notify.opt_in",
            {
                "title": "A client stopped text messages"
                if opted_out
                else "A client resumed texts",
                "source": source,
                "url": reverse("staff:client_messages", args=[client.pk]),
            },
            client_id=client.pk,
            everyone=True,
        )
    return row


def _client_by_phone(phone: str) -> tuple[User | None, ClientProfile | None]:
    users = list(User.objects.filter(phone=phone, is_active=True)[:2])
    if len(users) != 1:
        return None, None
    return users[0], ClientProfile.objects.filter(user=users[0]).first()


def _keyword(body: str) -> str:
    word = re.sub(r"[^a-z]", "", body.strip().lower())
    if word in STOP_WORDS:
        return "stop"
    if word in START_WORDS:
        return "start"
    if word in HELP_WORDS:
        return "help"
    if word == "yes":
        return "yes"
    return ""


@dataclass(frozen=True)
class InboundResult:
    inbound: InboundMessage
    replies: list[str]
    duplicate: bool = False


def help_reply() -> str:
    return (
        f"{settings.CLINIC_NAME}: reply STOP to stop texts, START to resume. "
        f"In a crisis call {settings.CLINIC_CRISIS_LINE} or {settings.NATIONAL_CRISIS_LINE}."
    )


def inbound_sms_record(
    *, provider_id: str, from_number: str, to_number: str, body: str
) -> InboundResult:
    """Record a text to the clinic; STOP, START, HELP are answered here, others go to receivers."""
    existing = InboundMessage.objects.filter(provider_id=provider_id).first()
    if existing is not None:
        return InboundResult(existing, [], duplicate=True)
    keyword = _keyword(body)
    if keyword == "yes":
        opted_out = SmsOptOut.objects.filter(phone=from_number, is_opted_out=True).exists()
        keyword = "start" if opted_out else ""
    user, client = _client_by_phone(from_number)
    try:
        with transaction.atomic():
            inbound = InboundMessage.objects.create(
                channel=Channel.SMS,
                provider_id=provider_id,
                from_number=from_number,
                to_number=to_number,
                body=body,
                keyword=keyword,
                user=user,
                client=client,
            )
            if keyword in ("stop", "start"):
                opt_out_set(
                    phone=from_number,
                    opted_out=keyword == "stop",
                    source="keyword",
                    detail=body[:40],
                )
    except IntegrityError:
        return InboundResult(
            InboundMessage.objects.get(provider_id=provider_id), [], duplicate=True
        )
    if keyword == "help":
        return InboundResult(inbound, [help_reply()])
    if keyword:
        # Twilio confirms STOP and START itself; a second reply would be blocked or be noise.
        return InboundResult(inbound, [])
    return InboundResult(inbound, _deliver(inbound))


def hotline_call_record(*, provider_id: str, from_number: str, to_number: str) -> InboundMessage:
    """Record a call to the clinic's hotline and tell the voice receivers (the crisis app)."""
    existing = InboundMessage.objects.filter(provider_id=provider_id).first()
    if existing is not None:
        return existing
    user, client = _client_by_phone(from_number)
    try:
        with transaction.atomic():
            inbound = InboundMessage.objects.create(
                channel=Channel.VOICE,
                provider_id=provider_id,
                from_number=from_number,
                to_number=to_number,
                user=user,
                client=client,
            )
    except IntegrityError:
        return InboundMessage.objects.get(provider_id=provider_id)
    _deliver(inbound)
    return inbound


def _deliver(inbound: InboundMessage) -> list[str]:
    handled, replies = receivers.deliver(inbound)
    if handled:
        InboundMessage.objects.filter(pk=inbound.pk).update(handled_by=handled)
        inbound.handled_by = handled
    return replies
