"""Follow-up contacts after a crisis: reminded when due, escalated to supervisors when overdue."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from iop.encryption import EncryptedTextField


class FollowUp(models.Model):
    """`next_action_at` is the timer: first the reminder (at `due_at`), then the escalation
    (`due_at` + the grace period); None once done or escalated."""

    event = models.ForeignKey(
        "crisis.CrisisEvent", on_delete=models.CASCADE, related_name="follow_ups"
    )
    client = models.ForeignKey(
        "accounts.ClientProfile", on_delete=models.PROTECT, related_name="crisis_follow_ups"
    )
    label = models.CharField(max_length=40, help_text="e.g. '24 hours'")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    due_at = models.DateTimeField()
    next_action_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(
                fields=["next_action_at"],
                condition=Q(completed_at__isnull=True, next_action_at__isnull=False),
                name="followup_due",
            ),
            models.Index(fields=["assignee", "completed_at", "due_at"], name="followup_assignee"),
        ]

    def __str__(self) -> str:
        return f"{self.label} follow-up for #{self.event_id}"
