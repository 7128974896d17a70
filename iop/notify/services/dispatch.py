"""Sending one message, retrying it, giving up on it, and the sweep that finds stranded rows.

A send is three short steps so no database lock is held while the provider is called:
`_start` claims the row (status sending, a fresh claim token, a lease), the provider is called,
and `_finish_*` records the outcome only if the row still carries that token.
"""

from __future__ import annotations

import logging
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from iop.notify import prompts, rules
from iop.notify.backends import OutgoingCall, OutgoingText, ProviderError, SendResult, provider
from iop.notify.backends.email import send_email
from iop.notify.backends.feed import send_feed
from iop.notify.models import (
    PENDING_STATUSES,
    Channel,
    OutboundMessage,
    Purpose,
    Status,
)
from iop.notify.services.outbox import (
    announce_problem,
    claim_lease,
    dispatch_publish,
    message_enqueue,
    publish_on_commit,
)
from iop.realtime.publish import publish_about_client

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    window: timedelta  # keep retrying this long after the first attempt
    cap: timedelta  # longest wait between two attempts


RETRY_POLICIES: dict[str, RetryPolicy] = {
    Purpose.CRISIS: RetryPolicy(timedelta(minutes=15), timedelta(seconds=30)),
    Purpose.ACCOUNT: RetryPolicy(timedelta(minutes=30), timedelta(minutes=2)),
    Purpose.REMINDER: RetryPolicy(timedelta(hours=2), timedelta(minutes=10)),
    Purpose.OUTREACH: RetryPolicy(timedelta(hours=12), timedelta(minutes=30)),
    Purpose.SUPPORT: RetryPolicy(timedelta(hours=12), timedelta(minutes=30)),
}
SWEEP_BATCH = 200


def retry_delay(purpose: str, attempts: int) -> float:
    """Exponential backoff with equal jitter: between half and all of base * 2^(attempts-1)."""
    cap = RETRY_POLICIES[purpose].cap.total_seconds()
    ceiling = min(cap, settings.NOTIFY_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0))
    return float(ceiling / 2 + random.uniform(0, ceiling / 2))


def status_callback_url(message: OutboundMessage) -> str:
    return f"{settings.PUBLIC_BASE_URL}{reverse('notify:status')}?m={message.pk}"


def message_dispatch(*, message_id: int, claim: str | None = None) -> str:
    """Send the message if it is queued and this dispatch holds its claim (or it is due).

    Returns what happened, for logs and tests: sent, failed, retry, held, blocked or skipped.
    """
    started = _start(message_id, claim)
    if isinstance(started, str):
        return started
    message, token = started
    try:
        result = _send(message)
    except ProviderError as exc:
        return _finish_error(message.pk, token, exc)
    except Exception as exc:  # noqa: BLE001 - a bug or outage in a backend must not strand the row
        log.exception("unexpected error sending message %s", message.pk)
        return _finish_error(
            message.pk, token, ProviderError(repr(exc), permanent=False, code="error")
        )
    return _finish_sent(message.pk, token, result)


def _start(message_id: int, claim: str | None) -> tuple[OutboundMessage, uuid.UUID] | str:
    with transaction.atomic():
        message = (
            OutboundMessage.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("user", "client__user")
            .filter(pk=message_id)
            .first()
        )
        if message is None or message.status != Status.QUEUED:
            return "skipped"
        now = timezone.now()
        claimed = claim is not None and message.claim is not None and str(message.claim) == claim
        if not claimed and message.next_attempt_at > now:
            return "skipped"
        if message.retry_until is not None and now >= message.retry_until:
            _end(message, Status.FAILED, message.error_code or "deadline", _gave_up(message))
            return "failed"
        decision = rules.decide(message, now)
        if isinstance(decision, rules.Hold):
            _hold(message, decision.until, decision.reason, now)
            return "held"
        if isinstance(decision, rules.Block):
            _end(message, decision.status, decision.code, decision.reason)
            return "blocked"
        token = uuid.uuid4()
        message.status = Status.SENDING
        message.attempts += 1
        message.claim = token
        message.next_attempt_at = now + timedelta(seconds=settings.NOTIFY_SEND_LEASE_SECONDS)
        message.hold_reason = ""
        if message.retry_until is None:
            message.retry_until = now + RETRY_POLICIES[message.purpose].window
            if message.expires_at is not None:
                message.retry_until = min(message.retry_until, message.expires_at)
        message.provider = _provider_name(message.channel)
        message.save()
    return message, token


def _provider_name(channel: str) -> str:
    if channel in (Channel.SMS, Channel.VOICE):
        return provider().name
    return channel


def _send(message: OutboundMessage) -> SendResult:
    if message.channel == Channel.SMS:
        return provider().send_sms(
            OutgoingText(
                message.to, message.body, message.idempotency_key, status_callback_url(message)
            )
        )
    if message.channel == Channel.VOICE:
        return provider().place_call(
            OutgoingCall(
                message.to,
                message.body,
                message.idempotency_key,
                status_callback_url(message),
                twiml_url=prompts.prompt_url(message),
            )
        )
    if message.channel == Channel.EMAIL:
        return send_email(
            to=message.to,
            subject=message.subject,
            body=message.body,
            idempotency_key=message.idempotency_key,
        )
    if message.user_id is None:
        raise ProviderError("A feed message has no staff member to show it to.", permanent=True)
    return send_feed(
        user_id=message.user_id,
        event=f"notify.{message.purpose}",
        body=message.body,
        payload={
            "message_id": message.pk,
            "purpose": message.purpose,
            "client_id": message.client_id,
        },
    )


def _finish_sent(message_id: int, token: uuid.UUID, result: SendResult) -> str:
    now = timezone.now()
    done = {
        "status": Status.DELIVERED if result.delivered else Status.SENT,
        "claim": None,
        "provider_id": result.provider_id,
        "provider_status": result.provider_status,
        "error_code": "",
        "error_message": "",
        "sent_at": now,
        "updated_at": now,
    }
    if result.delivered:
        done.update(delivered_at=now, finished_at=now)
    # The usual case in one statement: the row is still ours, untouched by receipts.
    mine = OutboundMessage.objects.filter(pk=message_id, status=Status.SENDING, claim=token)
    if mine.update(**done):
        return "sent"
    with transaction.atomic():
        message = OutboundMessage.objects.select_for_update().get(pk=message_id)
        message.provider_id = message.provider_id or result.provider_id
        ours = message.status == Status.SENDING and message.claim == token
        # QUEUED: our lease ran out and the sweep re-queued the row; it was sent, so stop that.
        if ours or message.status == Status.QUEUED:
            if not ours:
                log.warning("message %s was sent after its lease expired", message_id)
            message.status = Status.DELIVERED if result.delivered else Status.SENT
            message.claim = None
            message.provider_status = result.provider_status
            message.error_code = message.error_message = ""
            message.sent_at = now
            if result.delivered:
                message.delivered_at = message.finished_at = now
        elif message.status == Status.SENDING:
            log.error("message %s: another attempt is in flight after ours succeeded", message_id)
        else:
            # A delivery receipt got here first; keep its status, note when we handed it over.
            message.sent_at = message.sent_at or now
        message.save()
    return "sent"


def _finish_error(message_id: int, token: uuid.UUID, error: ProviderError) -> str:
    now = timezone.now()
    with transaction.atomic():
        message = (
            OutboundMessage.objects.select_for_update(of=("self",))
            .select_related("client")
            .get(pk=message_id)
        )
        if not (message.status == Status.SENDING and message.claim == token):
            log.warning("message %s changed while we sent it; not recording %r", message_id, error)
            return "skipped"
        message.error_code = error.code[:32]
        message.error_message = error.message[:500]
        if error.permanent:
            if error.code == "21610":
                from iop.notify.services.provider_events import opt_out_set

                opt_out_set(
                    phone=message.to, opted_out=True, source="provider", detail="Twilio 21610"
                )
            status = Status.UNDELIVERABLE if error.recipient else Status.FAILED
            _end(message, status, message.error_code, message.error_message)
            return "failed"
        delay = retry_delay(message.purpose, message.attempts)
        retry_at = now + timedelta(seconds=delay)
        if message.retry_until is not None and retry_at > message.retry_until:
            _end(message, Status.FAILED, message.error_code, _gave_up(message))
            return "failed"
        message.status = Status.QUEUED
        _schedule(message, retry_at, now)
        message.save()
    return "retry"


def _gave_up(message: OutboundMessage) -> str:
    last = f": {message.error_message}" if message.error_message else ""
    return f"Gave up after {message.attempts} attempts{last}"[:500]


def _schedule(message: OutboundMessage, at: datetime, now: datetime) -> None:
    """Wake the row at `at`: with a short countdown task, or (longer waits) by the sweep.

    Countdowns stay far below the broker's visibility timeout, which would deliver them twice.
    """
    delay = (at - now).total_seconds()
    if delay <= settings.NOTIFY_MAX_COUNTDOWN_SECONDS:
        message.claim = uuid.uuid4()
        message.next_attempt_at = at + claim_lease()
        publish_on_commit(message.pk, message.purpose, message.claim, due_at=at, countdown=delay)
    else:
        message.claim = None
        message.next_attempt_at = at


def _hold(message: OutboundMessage, until: datetime, reason: str, now: datetime) -> None:
    message.hold_reason = reason[:200]
    _schedule(message, until, now)
    message.save()


def _end(message: OutboundMessage, status: str, code: str, reason: str) -> None:
    """Finish a message that will not be sent (or not again), and tell staff; crisis texts call."""
    message.status = status
    message.claim = None
    message.error_code = code[:32]
    message.error_message = reason[:500]
    message.hold_reason = ""
    message.finished_at = timezone.now()
    message.save()
    if message.purpose == Purpose.CRISIS and message.channel == Channel.SMS:
        fall_back_to_voice(message)
    announce_problem(message)


def fall_back_to_voice(message: OutboundMessage) -> OutboundMessage:
    """A crisis text that cannot be delivered becomes a call to the same number (once)."""
    call = message_enqueue(
        actor=None,
        channel=Channel.VOICE,
        purpose=Purpose.CRISIS,
        idempotency_key=f"{message.idempotency_key}:voice-fallback",
        to=message.to,
        body=f"This is {settings.CLINIC_NAME} with an urgent message. {message.body}",
        user=message.user,
        client=message.client,
        about=message.about,
        fallback_for=message,
    )
    if message.client_id is None:
        return call
    publish_about_client(
        "notify.fallback",
        {
            "title": "A crisis text could not be delivered: calling the number instead",
            "message_id": message.pk,
            "fallback_id": call.pk,
            "reason": message.error_message,
            "url": reverse("staff:message", args=[message.pk]),
        },
        client_id=message.client_id,
        everyone=True,
    )
    return call


def due_rows(now: datetime, *, batch: int = SWEEP_BATCH) -> QuerySet[OutboundMessage]:
    """The sweep's claim: the oldest due rows nobody else holds (bench/notify.py explains it)."""
    return (
        OutboundMessage.objects.select_for_update(skip_locked=True)
        .filter(status__in=PENDING_STATUSES, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .only("id", "status", "purpose", "attempts", "error_code", "error_message")[:batch]
    )


def message_sweep(*, batch: int = SWEEP_BATCH) -> int:
    """Hand every due row to a worker: never published, held until now, or stuck mid-send.

    Claims with FOR UPDATE SKIP LOCKED through the partial index, so concurrent sweeps share
    the work and finished rows are never read. Returns how many rows it handed on.
    """
    now = timezone.now()
    with transaction.atomic():
        due = list(due_rows(now, batch=batch))
        claims: list[uuid.UUID] = []
        for message in due:
            if message.status == Status.SENDING:
                message.error_code = "interrupted"
                message.error_message = (
                    f"Attempt {message.attempts} was interrupted before Harbor heard back; "
                    "sending again."
                )
            message.status = Status.QUEUED
            message.claim = uuid.uuid4()
            claims.append(message.claim)
            message.next_attempt_at = now + claim_lease()
        OutboundMessage.objects.bulk_update(
            due, ["status", "claim", "next_attempt_at", "error_code", "error_message"]
        )
    for index, (message, claim) in enumerate(zip(due, claims, strict=True)):
        if not dispatch_publish(message.pk, message.purpose, claim, due_at=now):
            # The broker is down: release the rest at once rather than wait on each publish.
            rest = [m.pk for m in due[index + 1 :]]
            OutboundMessage.objects.filter(pk__in=rest).update(claim=None, next_attempt_at=now)
            return index
    return len(due)
