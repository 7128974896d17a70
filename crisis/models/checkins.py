"""Check-ins (one answered instrument) and the schedule a clinician sets for each client."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from crisis import instruments
from iop.encryption import EncryptedIntegerField, EncryptedTextField


class RiskLevel(models.TextChoices):
    NONE = "none", "No risk indicated"
    LOW = "low", "Low"
    MODERATE = "moderate", "Moderate"
    HIGH = "high", "High"


class CheckInChannel(models.TextChoices):
    PORTAL = "portal", "Portal"
    SMS = "sms", "Text message"
    STAFF = "staff", "Entered by staff"
    API = "api", "API"


class CheckIn(models.Model):
    """One answered instrument. Answers, note, score and band are encrypted; only the risk level
    (and its rank) stays queryable, for the risk list and the missed-session roll call."""

    client = models.ForeignKey(
        "accounts.ClientProfile", on_delete=models.PROTECT, related_name="check_ins"
    )
    instrument = models.CharField(max_length=16)
    instrument_version = models.PositiveSmallIntegerField()
    answers_json = EncryptedTextField()
    note = EncryptedTextField(blank=True)
    score = EncryptedIntegerField()
    band = EncryptedTextField(max_length=40)
    risk = models.CharField(max_length=8, choices=RiskLevel.choices)
    risk_rank = models.PositiveSmallIntegerField(help_text="0 none … 3 high, for sorting.")
    channel = models.CharField(max_length=8, choices=CheckInChannel.choices)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    crisis_event = models.ForeignKey(
        "crisis.CrisisEvent",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="check_ins",
    )

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["client", "-submitted_at"], name="checkin_client_recent"),
            models.Index(
                fields=["client", "instrument", "-submitted_at"], name="checkin_client_instr"
            ),
            # The API's list order: its first page is read off the index, not sorted.
            models.Index(fields=["-submitted_at", "-id"], name="checkin_list_order"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} {self.score} ({self.risk}) for {self.client_id}"

    @property
    def answers(self) -> dict[str, int]:
        return json.loads(self.answers_json or "{}")

    @property
    def definition(self) -> instruments.Instrument:
        return instruments.get(self.instrument, self.instrument_version)


class CheckInSchedule(models.Model):
    """How often a client is asked to complete an instrument, and when it is next due.

    `next_due_at` is the timer: the prompt tick finds due schedules through the partial index.
    After a crisis is resolved the schedule is stepped up (asked more often) until
    `stepped_up_until`; a schedule with `ends_at` was added by a step-up and lapses with it.
    """

    client = models.ForeignKey(
        "accounts.ClientProfile", on_delete=models.CASCADE, related_name="check_in_schedules"
    )
    instrument = models.CharField(max_length=16)
    interval_days = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text="1 = daily, 7 = weekly.",
    )
    channel = models.CharField(
        max_length=8,
        choices=[(CheckInChannel.PORTAL, "Portal"), (CheckInChannel.SMS, "Text message")],
        default=CheckInChannel.PORTAL,
    )
    is_active = models.BooleanField(default=True)
    next_due_at = models.DateTimeField(null=True, blank=True)
    prompted_for = models.DateTimeField(
        null=True, blank=True, help_text="The due time the client was last reminded about."
    )
    stepped_up_until = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["client_id", "instrument"]
        constraints = [
            models.UniqueConstraint(fields=["client", "instrument"], name="schedule_once"),
            models.CheckConstraint(condition=Q(interval_days__gte=1), name="schedule_interval_pos"),
        ]
        indexes = [
            models.Index(fields=["next_due_at"], condition=Q(is_active=True), name="schedule_due"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} every {self.interval_days} d for {self.client_id}"

    def effective_interval_days(self, now: datetime | None = None) -> int:
        """While stepped up, weekly becomes every 2-3 days and daily stays daily."""
        now = now or timezone.now()
        if self.stepped_up_until and self.stepped_up_until > now:
            return max(1, self.interval_days // 3)
        return self.interval_days

    def next_after(self, moment: datetime) -> datetime:
        return moment + timedelta(days=self.effective_interval_days(moment))
