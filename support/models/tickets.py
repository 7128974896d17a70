"""Tickets, their conversation (public replies, internal notes, events), canned replies and
the requester's satisfaction rating."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from iop.encryption import EncryptedTextField
from support.models.sla import TicketPriority


class TicketCategory(models.TextChoices):
    AUDIO_VIDEO = "audio_video", "Audio or video"
    CONNECTION = "connection", "Connection"
    SIGNING_IN = "signing_in", "Signing in"
    DEVICE = "device", "Device or browser"
    OTHER = "other", "Something else"


class TicketStatus(models.TextChoices):
    NEW = "new", "New"
    OPEN = "open", "Open"
    PENDING = "pending", "Pending (waiting on the requester)"
    ON_HOLD = "on_hold", "On hold"
    SOLVED = "solved", "Solved"
    CLOSED = "closed", "Closed"


# The SLA clock runs while a ticket is new or open, pauses while it waits (pending, on hold)
# and stops when it is solved; closed is final.
RUNNING = (TicketStatus.NEW, TicketStatus.OPEN)
PAUSED = (TicketStatus.PENDING, TicketStatus.ON_HOLD)
ACTIVE = RUNNING + PAUSED
DONE = (TicketStatus.SOLVED, TicketStatus.CLOSED)
# A solved ticket closes by itself this long after it was solved.
CLOSE_AFTER = timedelta(days=7)


SLA_STATE_LABELS = {
    "on_track": "on track",
    "warned": "warned (80%)",
    "breached": "breached",
    "paused": "paused",
}


class TicketSource(models.TextChoices):
    PORTAL = "portal", "Get tech help (portal)"
    TROUBLE = "trouble", "“I can't connect” on a session page"
    CHAT = "chat", "Live chat"
    AGENT = "agent", "Opened by support staff"
    API = "api", "Integration (API)"


class EntryChannel(models.TextChoices):
    """Where a conversation entry came from; a reply from any channel moves the clock alike."""

    PORTAL = "portal", "Portal"
    CHAT = "chat", "Live chat"
    AGENT = "agent", "Support staff"
    EMAIL = "email", "Email"
    API = "api", "API"
    SYSTEM = "system", "Harbor"


class EntryKind(models.TextChoices):
    REPLY = "reply", "Public reply"
    NOTE = "note", "Internal note"
    EVENT = "event", "Event"


class Ticket(models.Model):
    """A request for tech help, from a client or a staff member, until it is solved and closed.

    The SLA columns are the clock of `support/sla_clock.py`; `escalation_due_at` (the next
    warning or breach) is the timer row the beat tick claims through the partial index
    `support_ticket_sla_due`, and `close_due_at` the one that closes a solved ticket.
    """

    # requester, program and session are indexed by the composite and partial indexes below.
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="support_tickets",
        db_index=False,
    )
    client = models.ForeignKey(
        "accounts.ClientProfile",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The requester's client record, when a client asked.",
    )
    program = models.ForeignKey(
        "accounts.Program",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    subject = EncryptedTextField(max_length=200)
    category = models.CharField(max_length=12, choices=TicketCategory.choices)
    priority = models.CharField(max_length=8, choices=TicketPriority.choices)
    status = models.CharField(max_length=8, choices=TicketStatus.choices, default=TicketStatus.NEW)
    tier = models.PositiveSmallIntegerField(default=1)
    # Indexed by `support_ticket_load` (active tickets only): people are never deleted.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    source = models.CharField(max_length=8, choices=TicketSource.choices)
    session = models.ForeignKey(
        "sessions_app.Session",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    tech_check = models.ForeignKey(
        "sessions_app.TechCheck",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The client's latest tech check as it was when the ticket opened (browser, device,
    # permissions, WebRTC, bandwidth): the row above may be followed by newer checks.
    tech_snapshot = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_due_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    # -- the SLA clock (support/sla_clock.py) ------------------------------------------------
    sla_policy = models.ForeignKey(
        "support.SlaPolicy", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sla_calendar = models.ForeignKey(
        "support.SupportCalendar",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sla_first_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    sla_next_reply_minutes = models.PositiveIntegerField(null=True, blank=True)
    sla_resolution_minutes = models.PositiveIntegerField(null=True, blank=True)
    sla_spent = models.DurationField(default=timedelta(0))
    sla_running_since = models.DateTimeField(null=True, blank=True)
    sla_next_reply_mark = models.DurationField(null=True, blank=True)
    sla_next_reply_cycle = models.PositiveIntegerField(default=0)
    sla_fired = ArrayField(models.CharField(max_length=48), default=list, blank=True)
    sla_state = models.CharField(max_length=10, blank=True)
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    next_reply_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    next_deadline_at = models.DateTimeField(null=True, blank=True)
    escalation_due_at = models.DateTimeField(null=True, blank=True)
    # Business time spent until the first response and until (the last) solving: the metrics.
    first_response_spent = models.DurationField(null=True, blank=True)
    resolution_spent = models.DurationField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(tier__in=[1, 2]), name="support_ticket_tier"),
            # "I can't connect" twice joins the ticket already open for that session.
            models.UniqueConstraint(
                fields=["requester", "session"],
                condition=Q(session__isnull=False, status__in=[s.value for s in ACTIVE]),
                name="support_one_active_per_session",
            ),
        ]
        indexes = [
            models.Index(
                fields=["escalation_due_at"],
                condition=Q(escalation_due_at__isnull=False),
                name="support_ticket_sla_due",
            ),
            models.Index(
                fields=["close_due_at"],
                condition=Q(close_due_at__isnull=False),
                name="support_ticket_close_due",
            ),
            models.Index(
                fields=["next_deadline_at", "created_at"],
                condition=Q(status__in=[s.value for s in ACTIVE]),
                name="support_ticket_queue",
            ),
            # Who holds how many active tickets (the least busy specialist; "mine").
            models.Index(
                fields=["assignee"],
                condition=Q(status__in=[s.value for s in ACTIVE]),
                name="support_ticket_load",
            ),
            models.Index(fields=["requester", "-created_at"], name="support_ticket_requester"),
            models.Index(fields=["program", "-created_at"], name="support_ticket_program"),
            models.Index(
                fields=["session"],
                condition=Q(session__isnull=False),
                name="support_ticket_session",
            ),
        ]

    def __str__(self) -> str:
        return f"Ticket #{self.pk} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def is_done(self) -> bool:
        return self.status in DONE

    @property
    def sla_spent_text(self) -> str:
        """The business time spent, as people say it ("1 h 05 min")."""
        minutes = int(self.sla_spent.total_seconds() // 60)
        return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"

    @property
    def sla_state_label(self) -> str:
        return SLA_STATE_LABELS.get(self.sla_state, self.sla_state)


class TicketEntry(models.Model):
    """One line of a ticket's conversation: a public reply (from any channel), an internal
    note the requester never sees, or an event (assigned, escalated, SLA warning)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(max_length=8, choices=EntryKind.choices)
    channel = models.CharField(max_length=8, choices=EntryChannel.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    author_label = models.CharField(max_length=254, blank=True)
    from_requester = models.BooleanField(default=False)
    body = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # A chat client's own id for a message, so a double tap or a reconnect stores it once.
    client_message_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "ticket entries"
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "author", "client_message_id"],
                condition=~Q(client_message_id=""),
                name="support_entry_client_id_once",
            )
        ]
        indexes = [models.Index(fields=["ticket", "created_at"], name="support_entry_ticket")]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"


class Macro(models.Model):
    """A canned reply. `{first_name}`, `{agent}` and `{ticket}` are filled in when used."""

    name = models.CharField(max_length=120, unique=True)
    body = models.TextField()
    status = models.CharField(
        max_length=8,
        choices=TicketStatus.choices,
        blank=True,
        help_text="Set the ticket to this status after replying (empty: leave it).",
    )
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TicketRating(models.Model):
    """The requester's satisfaction with a solved ticket: 1 to 5 and a comment, once."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="rating")
    score = models.PositiveSmallIntegerField()
    comment = EncryptedTextField(blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    rated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-rated_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5), name="support_rating_range"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id}: {self.score}/5"
