"""Groups (a program's cohorts), who is enrolled in them, and each program's session settings."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q

from iop.accounts.validators import validate_e164


class Group(models.Model):
    program = models.ForeignKey("accounts.Program", on_delete=models.PROTECT, related_name="groups")
    name = models.CharField(max_length=120)
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="facilitated_groups", blank=True
    )
    capacity = models.PositiveSmallIntegerField(default=12)
    guidelines = models.TextField(
        blank=True, help_text="Shown to clients before they join a session of this group."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["program__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="group_name_once"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="group_capacity_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class Enrolment(models.Model):
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="enrolments")
    client = models.ForeignKey(
        "accounts.ClientProfile", on_delete=models.PROTECT, related_name="enrolments"
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["group", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="enrolment_ends_after_start",
            )
        ]
        indexes = [models.Index(fields=["client", "group"], name="enrolment_client_group")]

    def __str__(self) -> str:
        return f"{self.client} in {self.group}"

    def covers(self, day) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


def default_reminder_offsets() -> list[int]:
    return [24 * 60, 60]


class ProgramSessionSettings(models.Model):
    """How a program runs its sessions; a program without a row uses these defaults."""

    program = models.OneToOneField(
        "accounts.Program", on_delete=models.CASCADE, related_name="session_settings"
    )
    missed_grace_minutes = models.PositiveSmallIntegerField(
        default=10, help_text="A client not joined this long after the start has missed it."
    )
    late_after_minutes = models.PositiveSmallIntegerField(
        default=5, help_text="Joining later than this after the start counts as late."
    )
    left_early_minutes = models.PositiveSmallIntegerField(
        default=10, help_text="Leaving more than this before the end counts as leaving early."
    )
    reminder_offsets_minutes = ArrayField(
        models.PositiveIntegerField(),
        default=default_reminder_offsets,
        blank=True,
        help_text="Minutes before the start a reminder goes out, e.g. 1440,60.",
    )
    remind_by_sms = models.BooleanField(default=True)
    remind_by_email = models.BooleanField(default=True)
    dial_in_number = models.CharField(
        max_length=16,
        blank=True,
        validators=[validate_e164],
        help_text="Phone dial-in for clients whose video will not connect (E.164).",
    )

    class Meta:
        verbose_name = "program session settings"
        verbose_name_plural = "program session settings"

    def __str__(self) -> str:
        return f"Session settings of {self.program}"
