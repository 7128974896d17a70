"""Make-up requests: a client asks (or staff offer) to attend another occurrence instead."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from iop.encryption import EncryptedTextField


class MakeUpStatus(models.TextChoices):
    REQUESTED = "requested", "Requested by the client"
    OFFERED = "offered", "Offered by staff"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"


OPEN_MAKEUP_STATUSES = (MakeUpStatus.REQUESTED, MakeUpStatus.OFFERED)


class MakeUpRequest(models.Model):
    client = models.ForeignKey(
        "accounts.ClientProfile", on_delete=models.PROTECT, related_name="makeup_requests"
    )
    missed_session = models.ForeignKey(
        "sessions_app.Session", on_delete=models.PROTECT, related_name="makeups_for"
    )
    target_session = models.ForeignKey(
        "sessions_app.Session", on_delete=models.PROTECT, related_name="makeups_into"
    )
    status = models.CharField(max_length=12, choices=MakeUpStatus.choices)
    note = EncryptedTextField(max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = EncryptedTextField(max_length=300, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            # One open or approved make-up per missed session and client.
            models.UniqueConstraint(
                fields=["client", "missed_session"],
                condition=Q(status__in=["requested", "offered", "approved"]),
                name="makeup_once_per_missed_session",
            )
        ]
        indexes = [
            models.Index(
                fields=["target_session"],
                condition=Q(status="approved"),
                name="makeup_approved_into",
            )
        ]

    def __str__(self) -> str:
        return f"make-up for {self.client_id}: {self.missed_session_id} → {self.target_session_id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_MAKEUP_STATUSES
