"""Treatment plan reviews: timer rows that remind the primary clinician, then the supervisor."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from iop.encryption import EncryptedTextField
from records.models.plans import ObjectiveStatus


class ReviewReason(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled review"
    AFTER_CRISIS = "after_crisis", "Review after a crisis"


class PlanReview(models.Model):
    """A review of a client's treatment plan that is due; `next_action_at` is the timer: first
    the reminder to the primary clinician (at `due_at`), then the supervisor (overdue); None
    once both went out or the review is done."""

    client = models.ForeignKey(
        "accounts.ClientProfile", on_delete=models.PROTECT, related_name="plan_reviews"
    )
    plan = models.ForeignKey(
        "records.TreatmentPlan",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reviews",
        help_text="The signed version reviewed (empty: the client had no signed plan yet).",
    )
    reason = models.CharField(max_length=16, choices=ReviewReason.choices)
    # The crisis that made it due; a plain id, since records reads crisis only through selectors.
    crisis_event_id = models.BigIntegerField(null=True, blank=True)
    due_at = models.DateTimeField()
    next_action_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    summary = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(
                fields=["next_action_at"],
                condition=Q(completed_at__isnull=True, next_action_at__isnull=False),
                name="plan_review_timer",
            ),
            models.Index(
                fields=["client", "due_at"],
                condition=Q(completed_at__isnull=True),
                name="plan_review_open",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["client"],
                condition=Q(completed_at__isnull=True, reason="scheduled"),
                name="plan_review_one_open_scheduled",
            ),
            models.UniqueConstraint(
                fields=["crisis_event_id"],
                condition=Q(crisis_event_id__isnull=False),
                name="plan_review_once_per_crisis",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} of {self.client_id}, due {self.due_at:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.completed_at is None


class ObjectiveReview(models.Model):
    """One objective's mark at one review (met / progressing / not met), who set it and when."""

    review = models.ForeignKey(PlanReview, on_delete=models.CASCADE, related_name="marks")
    objective = models.ForeignKey(
        "records.PlanObjective", on_delete=models.PROTECT, related_name="marks"
    )
    status = models.CharField(max_length=16, choices=ObjectiveStatus.choices)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField()

    class Meta:
        ordering = ["review_id", "objective_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "objective"], name="objective_review_once_per_review"
            )
        ]

    def __str__(self) -> str:
        return f"{self.objective_id}: {self.status} at review {self.review_id}"
