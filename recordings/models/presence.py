"""Who is in a session's video room now, as the provider's (or Harbor's) events say.

Events are hints that may arrive twice, late or out of order: each provider event is taken once
(`ProviderEventSeen`), and one older than the last event applied to a person (`last_event_at`)
changes nothing.

A row is about a Harbor user (`user`) or, for anyone in the room who did not sign in through
Harbor (a dial-in, a token Harbor did not mint), about their `identity` in the provider's room
with no user: such a person never holds consent, so while they are present nothing records.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class PresenceSource(models.TextChoices):
    HARBOR = "harbor", "Harbor (the join page)"
    PROVIDER = "provider", "The video provider's events"
    RECONCILE = "reconcile", "The video provider's participant list"


IDENTITY_MAX = 255


class RoomPresence(models.Model):
    session = models.ForeignKey("sessions_app.Session", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    # Someone not signed in through Harbor: their identity in the room (user is then empty).
    identity = models.CharField(max_length=IDENTITY_MAX, blank=True, default="")
    present = models.BooleanField(default=False)
    last_event_at = models.DateTimeField()
    last_source = models.CharField(max_length=12, choices=PresenceSource.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["session_id", "user_id", "identity"]
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="room_presence_once"),
            models.UniqueConstraint(
                fields=["session", "identity"],
                condition=models.Q(user__isnull=True),
                name="room_presence_identity_once",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(user__isnull=False, identity="")
                    | (models.Q(user__isnull=True) & ~models.Q(identity=""))
                ),
                name="room_presence_user_or_identity",
            ),
        ]
        indexes = [
            models.Index(
                fields=["session"], condition=models.Q(present=True), name="room_presence_in"
            )
        ]

    def __str__(self) -> str:
        who = self.user_id if self.user_id is not None else f"guest {self.identity}"
        return f"{who} {'in' if self.present else 'out of'} session {self.session_id}"


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
