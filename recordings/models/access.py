"""Clients' access to recordings they appear in: requests decided by a clinician in time, and
catch-up offers after a session missed for technical reasons. Access is time-limited and covers
only segments whose participants all consented."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from iop.encryption import EncryptedTextField


class AccessRequestState(models.TextChoices):
    PENDING = "pending", "Waiting for a decision"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


class RecordingAccessRequest(models.Model):
    """`due_at` is the decision's timer; an overdue request escalates to the supervisor."""

    recording = models.ForeignKey(
        "recordings.Recording", on_delete=models.PROTECT, related_name="access_requests"
    )
    client = models.ForeignKey("accounts.ClientProfile", on_delete=models.PROTECT, related_name="+")
    state = models.CharField(
        max_length=12, choices=AccessRequestState.choices, default=AccessRequestState.PENDING
    )
    reason = EncryptedTextField(max_length=500, blank=True, help_text="The client's words.")
    decision_reason = EncryptedTextField(max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    access_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recording", "client"],
                condition=Q(state="pending"),
                name="access_request_one_pending",
            )
        ]
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=Q(state="pending", due_at__isnull=False),
                name="access_request_due",
            )
        ]

    def __str__(self) -> str:
        return f"Access to {self.recording_id} for {self.client_id} ({self.state})"


class CatchUpOffer(models.Model):
    """A client who missed the session for a technical reason may play its catch-up recording."""

    recording = models.ForeignKey(
        "recordings.Recording", on_delete=models.PROTECT, related_name="catch_up_offers"
    )
    client = models.ForeignKey("accounts.ClientProfile", on_delete=models.PROTECT, related_name="+")
    offered_at = models.DateTimeField()
    access_until = models.DateTimeField()

    class Meta:
        ordering = ["-offered_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recording", "client"], name="catch_up_offer_once")
        ]

    def __str__(self) -> str:
        return f"Catch-up of {self.recording_id} for {self.client_id}"
