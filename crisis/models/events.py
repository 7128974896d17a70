"""Crisis events, their timeline, each escalation step that fired, and contact overrides."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.utils import timezone

from iop.encryption import EncryptedTextField

if TYPE_CHECKING:
    from crisis.escalation_plan import EscalationPlan


class CrisisSource(models.TextChoices):
    HELP_BUTTON = "help_button", "Get help now button"
    CHECK_IN = "check_in", "High-risk check-in"
    SMS_KEYWORD = "sms_keyword", "Crisis words in a text message"
    MESSAGE_KEYWORD = "message_keyword", "Crisis words in a secure message"
    SUPPORT_CHAT = "support_chat", "Crisis words in a tech-support chat"
    PEER_POST = "peer_post", "Crisis words in a group peer space post"
    CLINICIAN = "clinician", "Opened by a clinician"
    HOTLINE = "hotline", "Call to the hotline"
    API = "api", "Integration (API)"


class EventState(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"


UNRESOLVED = (EventState.OPEN, EventState.ACKNOWLEDGED)


class Disposition(models.TextChoices):
    DE_ESCALATED = "de_escalated", "De-escalated"
    SAFETY_PLAN_USED = "safety_plan_used", "Safety plan used"
    CONTACT_REACHED = "contact_reached", "Emergency contact reached"
    REFERRED_ED = "referred_ed", "Referred to emergency department"
    DISPATCHED = "dispatched", "Mobile crisis or EMS dispatched"
    HOSPITALISED = "hospitalised", "Hospitalised"
    OTHER = "other", "Other"


class CrisisEvent(models.Model):
    """A client in crisis, from the moment it is raised until a clinician resolves it.

    The escalation timer is `next_step_due_at`: the tick claims due rows through the partial
    index `crisis_event_due` with SKIP LOCKED. `(repeat_index, current_step_index)` is the step
    that fires next; `current_step_index == len(steps)` on the last pass means "page the
    supervisors". A client has at most one unresolved event; pressing help again joins it.
    """

    client = models.ForeignKey(
        "accounts.ClientProfile", on_delete=models.PROTECT, related_name="crisis_events"
    )
    source = models.CharField(max_length=16, choices=CrisisSource.choices)
    state = models.CharField(max_length=16, choices=EventState.choices, default=EventState.OPEN)
    summary = EncryptedTextField(blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_via = models.CharField(max_length=16, blank=True)
    # Staff acknowledge by text with "ACK <code>": a sender's number can be forged, the code
    # (only in the alert texts) cannot. Wrong codes are counted; past the limit, texts cannot
    # acknowledge this event (the dashboard and the call's "press 1" still can).
    ack_code = models.CharField(max_length=8, blank=True)
    sms_ack_failures = models.PositiveSmallIntegerField(default=0)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    disposition = models.CharField(max_length=20, choices=Disposition.choices, blank=True)
    resolution_note = EncryptedTextField(blank=True)

    policy = models.ForeignKey(
        "crisis.EscalationPolicy",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    escalation_plan = models.JSONField(default=dict, blank=True)
    repeat_index = models.PositiveSmallIntegerField(default=0)
    current_step_index = models.PositiveSmallIntegerField(default=0)
    next_step_due_at = models.DateTimeField(null=True, blank=True)
    unacknowledged_at = models.DateTimeField(
        null=True, blank=True, help_text="Every step ran without an acknowledgement."
    )
    notified_user_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)

    location = EncryptedTextField(blank=True, help_text="latitude,longitude,accuracy in metres")
    location_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client"], condition=~Q(state="resolved"), name="crisis_one_unresolved"
            ),
            models.CheckConstraint(
                condition=~Q(state="resolved") | ~Q(disposition=""),
                name="crisis_resolved_has_disposition",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_step_due_at"],
                condition=Q(next_step_due_at__isnull=False, state="open"),
                name="crisis_event_due",
            ),
            models.Index(fields=["state", "opened_at"], name="crisis_event_state_age"),
            models.Index(fields=["client", "-opened_at"], name="crisis_event_client"),
            GinIndex(fields=["notified_user_ids"], name="crisis_event_notified"),
        ]

    def __str__(self) -> str:
        return f"Crisis #{self.pk} ({self.state})"

    @property
    def is_unresolved(self) -> bool:
        return self.state in UNRESOLVED

    @property
    def coordinates(self) -> tuple[float, float, float | None] | None:
        if not self.location:
            return None
        parts = self.location.split(",")
        accuracy = float(parts[2]) if len(parts) > 2 and parts[2] else None
        return float(parts[0]), float(parts[1]), accuracy

    @property
    def plan(self) -> EscalationPlan:
        """The escalation plan copied onto the event when it opened."""
        from crisis.escalation_plan import EscalationPlan

        return EscalationPlan.from_json(self.escalation_plan)


class EscalationFiring(models.Model):
    """One step of one pass that fired. Unique per step, so a step can only ever fire once."""

    event = models.ForeignKey(CrisisEvent, on_delete=models.CASCADE, related_name="firings")
    repeat_index = models.PositiveSmallIntegerField()
    step_index = models.PositiveSmallIntegerField()
    due_at = models.DateTimeField()
    fired_at = models.DateTimeField()
    recipient_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    is_final_page = models.BooleanField(default=False)

    class Meta:
        ordering = ["event_id", "fired_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "repeat_index", "step_index"], name="escalation_fires_once"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.event_id} pass {self.repeat_index + 1} step {self.step_index + 1}"


class TimelineKind(models.TextChoices):
    OPENED = "opened", "Opened"
    RAISED_AGAIN = "raised_again", "Raised again"
    STEP = "step", "Escalation step"
    NOTIFIED = "notified", "Notified"
    NOBODY = "nobody", "Nobody to notify"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    UNACKNOWLEDGED = "unacknowledged", "Unacknowledged: supervisors paged"
    LOCATION = "location", "Location shared"
    CONTACT = "contact", "Emergency contact notified"
    OVERRIDE = "override", "Imminent-risk override"
    NOTE = "note", "Note"
    CHECK_IN = "check_in", "Check-in"
    RESOLVED = "resolved", "Resolved"
    FOLLOW_UP = "follow_up", "Follow-up"


class TimelineEntry(models.Model):
    """One thing that happened to an event; messages link to the outbox for delivery status."""

    event = models.ForeignKey(CrisisEvent, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=16, choices=TimelineKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True)
    text = EncryptedTextField(blank=True)
    message = models.ForeignKey(
        "notify.OutboundMessage", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name_plural = "timeline entries"

    def __str__(self) -> str:
        return f"#{self.event_id} {self.kind} at {self.at:%H:%M:%S}"


class ContactOverride(models.Model):
    """A clinician contacted an emergency contact without consent: who, when and why."""

    event = models.ForeignKey(CrisisEvent, on_delete=models.PROTECT, related_name="overrides")
    contact = models.ForeignKey(
        "accounts.EmergencyContact", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    contact_label = EncryptedTextField(max_length=120)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    reason = EncryptedTextField()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"Override on #{self.event_id} by {self.actor_id}"
