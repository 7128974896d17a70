"""The weekly hours check's timer: one row per program, due when the next check should run."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class HoursCheck(models.Model):
    """When the program's clients' hours are next checked against its weekly minimum.

    From the program's engagement-check weekday (program time) to the end of the week the check
    runs each day, so a client who joins mid-week is checked too; each client-week alert is
    raised once (sessions' engagement alerts are unique per client, week and reason).
    """

    program = models.OneToOneField(
        "accounts.Program", on_delete=models.CASCADE, related_name="hours_check"
    )
    due_at = models.DateTimeField(null=True, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_week_checked = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["due_at"], condition=Q(due_at__isnull=False), name="hours_due")
        ]

    def __str__(self) -> str:
        return f"Hours check of {self.program_id} due {self.due_at}"
