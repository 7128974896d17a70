"""Secure care-team threads: a client and their care team, messages encrypted at rest, each
person's read state, and the timer of a client's message waiting for an answer."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from iop.encryption import EncryptedTextField

BODY_MAX = 5000
SUBJECT_MAX = 120


class MessageThread(models.Model):
    """A conversation between one client and their care team.

    A thread the client starts (or a staff member starts "with the care team") is addressed to
    the client's care team as it is now; one a staff member starts with named colleagues is
    addressed to them and its author. Whoever it is addressed to hears of new messages and is
    reminded of an unanswered one; everyone who may see the client may read it.
    `awaiting_reply_since` is the oldest client message not yet answered (the inbox's order).
    """

    client = models.ForeignKey(
        "accounts.ClientProfile", on_delete=models.PROTECT, related_name="message_threads"
    )
    subject = EncryptedTextField(max_length=SUBJECT_MAX, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    to_care_team = models.BooleanField(
        default=True, help_text="Addressed to the client's whole care team (else named staff)."
    )
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="+",
        blank=True,
        help_text="Staff the thread is addressed to by name (its staff author and colleagues).",
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(default=timezone.now)
    awaiting_reply_since = models.DateTimeField(null=True, blank=True)
    last_answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    last_answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_message_at", "-id"]
        indexes = [
            models.Index(fields=["client", "-last_message_at"], name="msg_thread_client"),
            models.Index(
                fields=["awaiting_reply_since"],
                condition=Q(awaiting_reply_since__isnull=False),
                name="msg_thread_awaiting",
            ),
        ]

    def __str__(self) -> str:
        return f"Thread #{self.pk} (client {self.client_id})"


class MessageKind(models.TextChoices):
    MESSAGE = "message", "Message"
    AUTO_REPLY = "auto_reply", "Automatic reply"


class Message(models.Model):
    """One message of a thread; an automatic reply has no author (Harbor wrote it)."""

    thread = models.ForeignKey(MessageThread, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=12, choices=MessageKind.choices, default=MessageKind.MESSAGE)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_client = models.BooleanField(default=False)
    body = EncryptedTextField(max_length=BODY_MAX)
    sent_at = models.DateTimeField(default=timezone.now)
    # Crisis words found by the crisis screen, and the event it opened or joined.
    crisis = models.BooleanField(default=False)
    crisis_event_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["sent_at", "id"]
        indexes = [models.Index(fields=["thread", "sent_at"], name="msg_message_thread")]

    def __str__(self) -> str:
        return f"Message #{self.pk} in thread {self.thread_id}"


class ThreadRead(models.Model):
    """How far one person has read one thread."""

    thread = models.ForeignKey(MessageThread, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_read_message_id = models.PositiveBigIntegerField(default=0)
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["thread", "user"], name="msg_read_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read thread {self.thread_id} to #{self.last_read_message_id}"


class ReminderStage(models.TextChoices):
    CARE_TEAM = "care_team", "Remind the care team"
    SUPERVISOR = "supervisor", "Remind the supervisors"
    DONE = "done", "Everyone reminded"


class ReplyTimer(models.Model):
    """A client's message waiting for an answer: at `due_at` the tick reminds whoever `stage`
    names (the care team, then the program's supervisors). A thread has at most one timer
    waiting; an answer from staff stops it (`answered_at`). Claimed by the tick through the
    partial index `msg_reply_timer_due` with SKIP LOCKED."""

    thread = models.ForeignKey(MessageThread, on_delete=models.CASCADE, related_name="timers")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="+")
    due_at = models.DateTimeField(null=True, blank=True)
    stage = models.CharField(
        max_length=12, choices=ReminderStage.choices, default=ReminderStage.CARE_TEAM
    )
    care_team_reminded_at = models.DateTimeField(null=True, blank=True)
    supervisor_reminded_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["thread"],
                condition=Q(answered_at__isnull=True),
                name="msg_reply_timer_one_waiting",
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_at"], condition=Q(due_at__isnull=False), name="msg_reply_timer_due"
            ),
        ]

    def __str__(self) -> str:
        return f"Reply timer of thread {self.thread_id} ({self.stage})"
