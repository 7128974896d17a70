"""Who is in a session's video room now, as the provider's (or Harbor's) events say.

Events are hints that may arrive twice, late or out of order: each provider event is taken once
(`ProviderEventSeen`), and one older than the last event applied to a person (`last_event_at`)
changes nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class PresenceSource(models.TextChoices):
    HARBOR = "harbor", "Harbor (the join page)"
    PROVIDER = "provider", "The video provider's events"


class RoomPresence(models.Model):
    session = models.ForeignKey("sessions_app.Session", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    present = models.BooleanField(default=False)
    last_event_at = models.DateTimeField()
    last_source = models.CharField(max_length=12, choices=PresenceSource.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["session_id", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="room_presence_once")
        ]
        indexes = [
            models.Index(
                fields=["session"], condition=models.Q(present=True), name="room_presence_in"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {'in' if self.present else 'out of'} session {self.session_id}"


class ProviderEventSeen(models.Model):
    """A provider event already taken (webhooks are retried and may be sent twice)."""

    provider = models.CharField(max_length=16)
    event_id = models.CharField(max_length=200)
    seen_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="provider_event_once")
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.event_id}"
