from django.db import models


class Heartbeat(models.Model):
    """The last time a worker process proved it runs tasks (written by a beat-scheduled task)."""

    name = models.CharField(max_length=40, primary_key=True)
    beat_at = models.DateTimeField()
    hostname = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%H:%M:%S}"
