"""How long recordings of each purpose are kept before the purge (set in the admin)."""

from __future__ import annotations

from django.db import models

from recordings.models.recordings import RecordingPurpose

DEFAULT_RETENTION_DAYS: dict[str, int] = {
    RecordingPurpose.THERAPEUTIC: 30,
    RecordingPurpose.QA: 90,
    RecordingPurpose.EDUCATION: 365,
    RecordingPurpose.CATCHUP: 14,
}


class RecordingRetention(models.Model):
    purpose = models.CharField(max_length=16, choices=RecordingPurpose.choices, unique=True)
    days = models.PositiveIntegerField(help_text="Days after the recording stops.")

    class Meta:
        ordering = ["purpose"]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()}: {self.days} days"
