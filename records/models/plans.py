"""Individualized treatment plans: every change is a new version; a signed version is locked."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from iop.encryption import EncryptedTextField


class LevelOfCare(models.TextChoices):
    PHP = "php", "Partial hospitalization (PHP)"
    IOP = "iop", "Intensive outpatient (IOP)"
    OUTPATIENT = "outpatient", "Outpatient"


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft (clinician writing)"
    WITH_CLIENT = "with_client", "With the client to review"
    SIGNED = "signed", "Signed by both (locked)"
    SUPERSEDED = "superseded", "Superseded by a newer version"


class ObjectiveStatus(models.TextChoices):
    NOT_REVIEWED = "not_reviewed", "Not reviewed yet"
    PROGRESSING = "progressing", "Progressing"
    MET = "met", "Met"
    NOT_MET = "not_met", "Not met"


class TreatmentPlan(models.Model):
    """One version of a client's plan, drafted by a clinician and signed by both."""

    client = models.ForeignKey(
        "accounts.ClientProfile", on_delete=models.PROTECT, related_name="treatment_plans"
    )
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    level_of_care = models.CharField(
        max_length=16, choices=LevelOfCare.choices, default=LevelOfCare.IOP
    )
    presenting_problems = EncryptedTextField(blank=True)
    client_words = EncryptedTextField(
        blank=True, help_text="The client's own words for their goals."
    )
    client_comment = EncryptedTextField(blank=True, help_text="The client's comment on this draft.")
    change_note = EncryptedTextField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    clinician_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    clinician_signed_name = models.CharField(max_length=200, blank=True)
    clinician_signed_at = models.DateTimeField(null=True, blank=True)
    client_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    client_signed_name = models.CharField(max_length=200, blank=True)
    client_signed_at = models.DateTimeField(null=True, blank=True)
    shared_at = models.DateTimeField(null=True, blank=True)
    client_commented_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["client_id", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "version"], name="treatment_plan_version_once"
            ),
            models.UniqueConstraint(
                fields=["client"],
                condition=Q(status__in=["draft", "with_client"]),
                name="treatment_plan_one_open_draft",
            ),
        ]

    def __str__(self) -> str:
        return f"Treatment plan v{self.version} for {self.client_id}"

    @property
    def is_locked(self) -> bool:
        """Signed by both (or superseded since): nothing in this version changes again."""
        return self.status in (PlanStatus.SIGNED, PlanStatus.SUPERSEDED)


class PlanGoal(models.Model):
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="goals")
    position = models.PositiveSmallIntegerField()
    text = EncryptedTextField()

    class Meta:
        ordering = ["plan_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "position"], name="plan_goal_position_once")
        ]

    def __str__(self) -> str:
        return f"Goal {self.position} of plan {self.plan_id}"


class PlanObjective(models.Model):
    """A measurable step toward a goal, with the date it should be met by."""

    goal = models.ForeignKey(PlanGoal, on_delete=models.CASCADE, related_name="objectives")
    position = models.PositiveSmallIntegerField()
    text = EncryptedTextField()
    target_date = models.DateField()
    status = models.CharField(
        max_length=16, choices=ObjectiveStatus.choices, default=ObjectiveStatus.NOT_REVIEWED
    )
    # The last review's mark (who and when); a new draft carries it over from the signed version.
    status_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status_set_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["goal_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["goal", "position"], name="plan_objective_position_once"
            )
        ]

    def __str__(self) -> str:
        return f"Objective {self.position} of goal {self.goal_id}"


class PlanIntervention(models.Model):
    """What the clinic will do: a modality, how often, and who is responsible."""

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="interventions")
    position = models.PositiveSmallIntegerField()
    modality = models.CharField(max_length=120)
    frequency = models.CharField(max_length=120)
    responsible_clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    description = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["plan_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "position"], name="plan_intervention_position_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.modality} ({self.frequency}) in plan {self.plan_id}"
