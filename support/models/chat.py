"""Live chat with tech support: a client's chat waits in the tier's queue until an agent picks
it up, and its transcript goes on a ticket (created on pickup, or the client's open one)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from iop.encryption import EncryptedTextField
from support.models.sla import TicketPriority


class ChatStatus(models.TextChoices):
    WAITING = "waiting", "Waiting for an agent"
    ACTIVE = "active", "With an agent"
    ENDED = "ended", "Ended"
    TICKETED = "ticketed", "Turned into a ticket"


OPEN_CHAT = (ChatStatus.WAITING, ChatStatus.ACTIVE)


class Chat(models.Model):
    """One live conversation between a client and the support desk.

    `answer_due_at` is the timer row of a waiting chat: when no agent has picked it up by then
    (three minutes in business hours), the beat tick turns it into a ticket.
    """

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    client = models.ForeignKey(
        "accounts.ClientProfile", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    program = models.ForeignKey(
        "accounts.Program", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    session = models.ForeignKey(
        "sessions_app.Session",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The session the client could not join, when the chat began on its page.",
    )
    from_page = models.CharField(max_length=200, blank=True)
    priority = models.CharField(max_length=8, choices=TicketPriority.choices)
    status = models.CharField(max_length=8, choices=ChatStatus.choices, default=ChatStatus.WAITING)
    tier = models.PositiveSmallIntegerField(default=1)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ticket = models.ForeignKey(
        "support.Ticket", null=True, blank=True, on_delete=models.PROTECT, related_name="chats"
    )
    started_at = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(default=timezone.now)
    picked_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    answer_due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(tier__in=[1, 2]), name="support_chat_tier"),
            # One open chat a person: a second "Chat with support" joins the first.
            models.UniqueConstraint(
                fields=["requester"],
                condition=Q(status__in=[s.value for s in OPEN_CHAT]),
                name="support_one_open_chat",
            ),
        ]
        indexes = [
            models.Index(
                fields=["answer_due_at"],
                condition=Q(answer_due_at__isnull=False),
                name="support_chat_answer_due",
            ),
            models.Index(
                fields=["tier", "queued_at"],
                condition=Q(status="waiting"),
                name="support_chat_queue",
            ),
            models.Index(fields=["requester", "-started_at"], name="support_chat_requester"),
        ]

    def __str__(self) -> str:
        return f"Chat #{self.pk} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_CHAT


class ChatLineKind(models.TextChoices):
    MESSAGE = "message", "Message"
    NOTICE = "notice", "Notice from Harbor"


class ChatLine(models.Model):
    """A line of a chat: a message from the client or the agent, or a notice from Harbor.

    Once the chat has a ticket, a message's text lives in its ticket entry (`entry`) and `body`
    is empty: the transcript is stored once, on the ticket.
    """

    chat = models.ForeignKey(Chat, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=8, choices=ChatLineKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_requester = models.BooleanField(default=False)
    body = EncryptedTextField(blank=True)
    entry = models.OneToOneField(
        "support.TicketEntry",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="chat_line",
    )
    # The page's own id for a message, so a double tap or a reconnect stores it once.
    client_message_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # A message with crisis words, or Harbor's notice about them: the agent sees the prompt.
    crisis = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["chat", "author", "client_message_id"],
                condition=~Q(client_message_id=""),
                name="support_chat_line_once",
            )
        ]

    def __str__(self) -> str:
        return f"chat {self.chat_id} {self.kind} {self.created_at:%H:%M:%S}"

    @property
    def text(self) -> str:
        if self.body:
            return self.body
        return self.entry.body if self.entry_id is not None and self.entry else ""
