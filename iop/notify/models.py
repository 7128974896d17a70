"""The outbox: every message Harbor sends, the provider's receipts, inbound texts and opt-outs."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q

from iop.encryption import EncryptedJSONField, EncryptedTextField


class Channel(models.TextChoices):
    SMS = "sms", "Text message"
    VOICE = "voice", "Voice call"
    EMAIL = "email", "Email"
    FEED = "feed", "Live feed"


class Purpose(models.TextChoices):
    CRISIS = "crisis", "Crisis"
    REMINDER = "reminder", "Reminder"
    OUTREACH = "outreach", "Outreach"
    SUPPORT = "support", "Support"
    ACCOUNT = "account", "Account"


class Status(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"
    UNDELIVERABLE = "undeliverable", "Undeliverable"


PENDING_STATUSES = (Status.QUEUED, Status.SENDING)
FINAL_STATUSES = (Status.DELIVERED, Status.FAILED, Status.UNDELIVERABLE)
# A receipt only ever moves a message up this ladder, so duplicates and late receipts are inert.
STATUS_RANK: dict[str, int] = {
    Status.QUEUED: 0,
    Status.SENDING: 1,
    Status.SENT: 2,
    Status.DELIVERED: 3,
    Status.FAILED: 3,
    Status.UNDELIVERABLE: 3,
}


class OutboundMessage(models.Model):
    """One message to one recipient, written in the caller's transaction and sent after commit.

    `claim` and `next_attempt_at` form a lease: whoever holds the claim owns the row until
    `next_attempt_at`; after that the sweep may take it. A row is due when it is pending and
    `next_attempt_at` has passed, which the partial index `notify_outbox_due` answers without
    reading a single finished row.
    """

    idempotency_key = models.CharField(max_length=200, unique=True)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    purpose = models.CharField(max_length=12, choices=Purpose.choices)
    to = models.CharField(max_length=254, help_text="E.164 number, email address or user:<id>.")
    user = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    client = models.ForeignKey(
        "accounts.ClientProfile",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
        help_text="Whose record this message belongs to (scopes who may see it).",
    )
    about_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    about_id = models.CharField(max_length=64, blank=True)
    about = GenericForeignKey("about_type", "about_id")

    subject = EncryptedTextField(max_length=200, blank=True)
    body = EncryptedTextField(blank=True)
    template = models.CharField(max_length=200, blank=True)
    context = EncryptedJSONField(default=dict, blank=True)

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claim = models.UUIDField(null=True, blank=True, editable=False)
    retry_until = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="Not worth sending after this (e.g. a session reminder)."
    )
    hold_reason = models.CharField(max_length=200, blank=True)

    provider = models.CharField(max_length=20, blank=True)
    provider_id = models.CharField(max_length=64, blank=True, db_index=True)
    provider_status = models.CharField(max_length=32, blank=True)
    error_code = models.CharField(max_length=32, blank=True)
    error_message = models.CharField(max_length=500, blank=True)
    fallback_for = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="fallbacks"
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["queued", "sending"]),
                name="notify_outbox_due",
            ),
            models.Index(fields=["to", "sent_at"], name="notify_recipient_recent"),
            models.Index(fields=["client", "-created_at"], name="notify_client_history"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} to {self.to} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING_STATUSES

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES


class DeliveryReceipt(models.Model):
    """One status callback from the provider, kept as it came (duplicates included)."""

    message = models.ForeignKey(
        OutboundMessage, null=True, blank=True, on_delete=models.PROTECT, related_name="receipts"
    )
    provider_id = models.CharField(max_length=64, db_index=True)
    provider_status = models.CharField(max_length=32)
    error_code = models.CharField(max_length=32, blank=True)
    applied = models.BooleanField(help_text="Did it move the message forward?")
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["received_at", "id"]

    def __str__(self) -> str:
        return f"{self.provider_id} {self.provider_status}"


class InboundMessage(models.Model):
    """A text to, or a call of, the clinic's number."""

    channel = models.CharField(max_length=8, choices=Channel.choices)
    provider_id = models.CharField(max_length=64, unique=True)
    from_number = models.CharField(max_length=32)
    to_number = models.CharField(max_length=32, blank=True)
    body = EncryptedTextField(blank=True)
    keyword = models.CharField(max_length=8, blank=True, help_text="stop, start or help")
    user = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    client = models.ForeignKey(
        "accounts.ClientProfile",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inbound_messages",
    )
    handled_by = models.JSONField(default=list, blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} from {self.from_number}"


class SmsOptOut(models.Model):
    """Whether a number has said STOP (or the provider told us it is unsubscribed)."""

    phone = models.CharField(max_length=32, unique=True)
    is_opted_out = models.BooleanField()
    source = models.CharField(max_length=16, help_text="keyword or provider")
    detail = models.CharField(max_length=200, blank=True)
    changed_at = models.DateTimeField()

    class Meta:
        verbose_name = "SMS opt-out"

    def __str__(self) -> str:
        return f"{self.phone} {'opted out' if self.is_opted_out else 'opted in'}"
