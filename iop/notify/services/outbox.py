"""Putting messages into the outbox and handing them to the worker after commit."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, IntegrityError, models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from iop.accounts.models import ClientProfile, Role, User
from iop.accounts.validators import validate_e164
from iop.audit.models import Action
from iop.audit.services import access_record
from iop.domain import Conflict, NotAllowed
from iop.notify.models import Channel, OutboundMessage, Purpose, Status
from iop.realtime.publish import publish_about_client
from iop.viewer import Actor, person_of

log = logging.getLogger(__name__)


def claim_lease() -> timedelta:
    """How long a published dispatch task owns its row before the sweep may publish another."""
    return timedelta(seconds=settings.NOTIFY_CLAIM_SECONDS)


def queue_for(purpose: str) -> str:
    return "crisis" if purpose == Purpose.CRISIS else "notify"


def _recipient(channel: str, to: str, user: User | None) -> str:
    if to or user is None:
        return to
    if channel in (Channel.SMS, Channel.VOICE):
        return user.phone
    if channel == Channel.EMAIL:
        return user.email
    return f"user:{user.pk}"


def _validate(channel: str, purpose: str, to: str, user: User | None) -> None:
    if channel not in Channel.values:
        raise ValidationError({"channel": [f"Choose one of: {', '.join(Channel.values)}."]})
    if purpose not in Purpose.values:
        raise ValidationError({"purpose": [f"Choose one of: {', '.join(Purpose.values)}."]})
    if channel == Channel.FEED and user is None:
        raise ValidationError({"user": ["A live-feed message needs the staff member it is for."]})
    if not to:
        return
    try:
        if channel in (Channel.SMS, Channel.VOICE):
            validate_e164(to)
        elif channel == Channel.EMAIL:
            validate_email(to)
    except ValidationError as exc:
        raise ValidationError({"to": exc.messages}) from None


def message_enqueue(
    *,
    actor: Actor,
    channel: str,
    purpose: str,
    idempotency_key: str,
    to: str = "",
    body: str = "",
    subject: str = "",
    template: str = "",
    context: dict[str, Any] | None = None,
    user: User | None = None,
    client: ClientProfile | None = None,
    about: models.Model | None = None,
    not_before: datetime | None = None,
    expires_at: datetime | None = None,
    fallback_for: OutboundMessage | None = None,
) -> OutboundMessage:
    """Add a message inside the caller's transaction; one idempotency key is only ever one message.

    The message is handed to a worker after commit; a recipient with no number or address is
    recorded as undeliverable (for staff to see) rather than raising into the caller.
    """
    _require_key(idempotency_key)
    existing = OutboundMessage.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    message, claim, due = _message_new(
        channel=channel,
        purpose=purpose,
        idempotency_key=idempotency_key,
        to=to,
        body=body,
        subject=subject,
        template=template,
        context=context,
        user=user,
        client=client,
        about=about,
        not_before=not_before,
        expires_at=expires_at,
        fallback_for=fallback_for,
    )
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:
        # The same key was enqueued concurrently and committed first: that one is the message.
        return OutboundMessage.objects.get(idempotency_key=idempotency_key)
    _hand_over(message, claim, due)
    return message


def message_enqueue_many(specs: list[dict[str, Any]]) -> list[OutboundMessage]:
    """`message_enqueue` for many messages at once: one message per spec, in the same order.

    Each spec holds `message_enqueue`'s keyword arguments, and the guarantees are the same: new
    messages are written in the caller's transaction (one insert for all of them) and handed to
    a worker, or announced as undeliverable, after commit; a key repeated in `specs` gives back
    the same message. Every spec is checked before any is written. The insert is optimistic: if
    a key is already in the outbox (rare: a retry of work already done), it falls back to
    `message_enqueue` one by one, which gives back the message that holds each such key.
    """
    for spec in specs:
        _require_key(spec.get("idempotency_key", ""))
    keys = [spec["idempotency_key"] for spec in specs]
    built: dict[str, tuple[OutboundMessage, uuid.UUID | None, datetime]] = {}
    for spec in specs:
        key = spec["idempotency_key"]
        if key not in built:
            built[key] = _message_new(**{k: v for k, v in spec.items() if k != "actor"})
    if not built:
        return []
    try:
        with transaction.atomic():
            OutboundMessage.objects.bulk_create([m for m, _, _ in built.values()])
    except IntegrityError:
        return [message_enqueue(**spec) for spec in specs]
    for message, claim, due in built.values():
        _hand_over(message, claim, due)
    return [built[key][0] for key in keys]


def _require_key(idempotency_key: str) -> None:
    if not idempotency_key:
        raise ValidationError({"idempotency_key": ["Every message needs an idempotency key."]})


def _message_new(
    *,
    channel: str,
    purpose: str,
    idempotency_key: str,
    to: str = "",
    body: str = "",
    subject: str = "",
    template: str = "",
    context: dict[str, Any] | None = None,
    user: User | None = None,
    client: ClientProfile | None = None,
    about: models.Model | None = None,
    not_before: datetime | None = None,
    expires_at: datetime | None = None,
    fallback_for: OutboundMessage | None = None,
) -> tuple[OutboundMessage, uuid.UUID | None, datetime]:
    """The unsaved message, its dispatch claim (None: not sent now) and when it is due."""
    if client is None and user is not None and user.role == Role.CLIENT:
        client = ClientProfile.objects.filter(user=user).first()
    if user is None and client is not None and not to:
        user = client.user
    to = _recipient(channel, to, user)
    _validate(channel, purpose, to, user)
    context = context or {}
    if template:
        body = render_to_string(template, context)
    now = timezone.now()
    due = max(now, not_before) if not_before else now
    claim = uuid.uuid4() if due <= now and to else None
    message = OutboundMessage(
        idempotency_key=idempotency_key,
        channel=channel,
        purpose=purpose,
        to=to,
        user=user,
        client=client,
        about_type=ContentType.objects.get_for_model(about) if about is not None else None,
        about_id=str(about.pk) if about is not None else "",
        subject=subject,
        body=body.strip(),
        template=template,
        context=context,
        next_attempt_at=now + claim_lease() if claim else due,
        claim=claim,
        expires_at=expires_at,
        fallback_for=fallback_for,
    )
    if not to:
        message.status = Status.UNDELIVERABLE
        message.error_code = "no-recipient"
        message.error_message = "No phone number or address on file for this recipient."
        message.finished_at = now
    return message, claim, due


def _hand_over(message: OutboundMessage, claim: uuid.UUID | None, due: datetime) -> None:
    """After commit: a worker sends it, or staff hear that it cannot be sent."""
    if claim is not None:
        publish_on_commit(message.pk, message.purpose, claim, due_at=due)
    elif not message.to:
        announce_problem(message)


def publish_on_commit(
    message_id: int, purpose: str, claim: uuid.UUID, *, due_at: datetime, countdown: float = 0
) -> None:
    transaction.on_commit(
        partial(dispatch_publish, message_id, purpose, claim, due_at=due_at, countdown=countdown)
    )


def dispatch_publish(
    message_id: int, purpose: str, claim: uuid.UUID, *, due_at: datetime, countdown: float = 0
) -> bool:
    """Hand a claimed row to a worker. Never raises: if the broker is down, the sweep sends it."""
    from iop.notify.tasks import message_dispatch_task

    try:
        message_dispatch_task.apply_async(
            args=(message_id,),
            kwargs={"claim": str(claim)},
            queue=queue_for(purpose),
            countdown=countdown or None,
            retry=False,
        )
        return True
    except Exception:  # noqa: BLE001 - broker errors come in many types; none may reach the caller
        log.warning("could not publish dispatch of message %s; the sweep will send it", message_id)
    try:
        # Give the row to the sweep now rather than when the claim runs out.
        OutboundMessage.objects.filter(pk=message_id, claim=claim).update(
            claim=None, next_attempt_at=due_at
        )
    except DatabaseError:
        log.exception("could not release the claim on message %s", message_id)
    return False


def announce_problem(message: OutboundMessage) -> None:
    """Tell the staff who may see the client (care team, program supervisors, on call) after commit."""
    if message.client_id is None:
        return
    publish_about_client(
        "notify.problem",
        {
            "title": (
                f"{message.get_purpose_display()} {message.get_channel_display().lower()} "
                f"{message.get_status_display().lower()}"
                + (f" ({message.error_code})" if message.error_code else "")
            ),
            "message_id": message.pk,
            "channel": message.channel,
            "purpose": message.purpose,
            "status": message.status,
            "error_code": message.error_code,
            "error": message.error_message,
            "url": reverse("staff:message", args=[message.pk]),
        },
        client_id=message.client_id,
        user_ids=[message.user_id] if message.user_id else [],
        everyone=True,
    )


def message_retry(*, actor: Actor, message: OutboundMessage) -> OutboundMessage:
    """An administrator sends a failed, undeliverable or held message again, now."""
    person = person_of(actor)
    if person is None or not (person.role == Role.ADMIN or person.is_superuser):
        raise NotAllowed("Only administrators can retry messages.")
    with transaction.atomic():
        message = OutboundMessage.objects.select_for_update().get(pk=message.pk)
        if message.status in (Status.SENT, Status.DELIVERED, Status.SENDING):
            raise Conflict(
                f"Message {message.pk} is {message.status}; retrying could send it twice."
            )
        if not message.to:
            raise Conflict(f"Message {message.pk} has no recipient to retry.")
        now = timezone.now()
        claim = uuid.uuid4()
        message.status = Status.QUEUED
        message.claim = claim
        message.next_attempt_at = now + claim_lease()
        message.retry_until = None
        message.hold_reason = ""
        message.finished_at = None
        message.save()
        access_record(actor=actor, action=Action.UPDATE, client=message.client, obj=message)
        publish_on_commit(message.pk, message.purpose, claim, due_at=now)
    return message


def message_send_test(*, actor: Actor) -> OutboundMessage:
    """A staff member sends themselves a test text (or feed message, without a phone)."""
    person = person_of(actor)
    if person is None or not person.is_staff_member:
        raise NotAllowed("Only staff can send test messages.")
    channel = Channel.SMS if person.phone else Channel.FEED
    with transaction.atomic():
        return message_enqueue(
            actor=person,
            channel=channel,
            purpose=Purpose.ACCOUNT,
            idempotency_key=f"test:{person.pk}:{uuid.uuid4().hex}",
            user=person,
            body=f"Test message from {settings.CLINIC_NAME}. Nothing to do.",
        )
