"""Joining a session: the browser tech check, the text chat alternative, the private iCal feed."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

from iop.encryption import EncryptedTextField


class MediaState(models.TextChoices):
    GRANTED = "granted", "Allowed"
    DENIED = "denied", "Blocked"
    UNAVAILABLE = "unavailable", "No device found"
    ERROR = "error", "Error"


# Below this, video calls stutter; the check still lets the client join, with advice.
MIN_DOWNLOAD_MBPS = 1.5


class TechCheck(models.Model):
    """One run of the browser tech check, as the client's browser reported it."""

    client = models.ForeignKey(
        "accounts.ClientProfile", on_delete=models.PROTECT, related_name="tech_checks"
    )
    session = models.ForeignKey(
        "sessions_app.Session", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    camera = models.CharField(max_length=12, choices=MediaState.choices)
    microphone = models.CharField(max_length=12, choices=MediaState.choices)
    webrtc = models.BooleanField()
    download_mbps = models.FloatField(null=True, blank=True)
    passed = models.BooleanField()
    problems = models.JSONField(default=list, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    checked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-checked_at", "-id"]
        indexes = [models.Index(fields=["client", "-checked_at"], name="techcheck_client_latest")]

    def __str__(self) -> str:
        return f"{'passed' if self.passed else 'failed'} {self.checked_at:%Y-%m-%d %H:%M}"


class ChatMessage(models.Model):
    """A text message in a session's chat: the alternative when video will not connect."""

    session = models.ForeignKey(
        "sessions_app.Session", on_delete=models.PROTECT, related_name="chat_messages"
    )
    client = models.ForeignKey(
        "accounts.ClientProfile",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Whose conversation it is (one per client and session).",
    )
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = EncryptedTextField()
    sent_at = models.DateTimeField(auto_now_add=True)
    # The sending page's own id for the message, so a double tap or a reconnect stores it once.
    client_message_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["sent_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "client", "sender", "client_message_id"],
                condition=~Q(client_message_id=""),
                name="sessions_chat_client_id_once",
            )
        ]
        indexes = [models.Index(fields=["session", "client", "sent_at"], name="chat_thread")]

    def __str__(self) -> str:
        return f"chat {self.session_id}/{self.client_id} {self.sent_at:%H:%M}"


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A person's private iCal URL; regenerating the token retires the old URL at once.

    Only the token's SHA-256 is kept (like API keys): the address is shown once, when made."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"calendar of {self.user_id}"
