"""Groups (a program's cohorts) and who is enrolled in them. Sessions come with issue 4."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q


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

    def __str__(self) -> str:
        return f"{self.client} in {self.group}"
