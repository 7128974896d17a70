"""Session reminders: which outbox message reminds which client of which session, and opt-outs."""

from __future__ import annotations

from django.db import models


class SessionReminder(models.Model):
    """Links a queued outbox message to its session, so a cancelled or moved session finds it."""

    session = models.ForeignKey(
        "sessions_app.Session", on_delete=models.PROTECT, related_name="reminders"
    )
    client = models.ForeignKey("accounts.ClientProfile", on_delete=models.PROTECT, related_name="+")
    message = models.OneToOneField(
        "notify.OutboundMessage", on_delete=models.PROTECT, related_name="+"
    )
    offset_minutes = models.PositiveIntegerField()
    channel = models.CharField(max_length=8)
    revision = models.PositiveIntegerField(help_text="The session's revision it was made for.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session_id", "-offset_minutes"]
        indexes = [models.Index(fields=["session", "client"], name="reminder_session_client")]

    def __str__(self) -> str:
        return f"{self.channel} {self.offset_minutes} min before {self.session_id}"


class ReminderPreference(models.Model):
    """A client's choice of reminder channels; no row means both are on."""

    client = models.OneToOneField(
        "accounts.ClientProfile", on_delete=models.CASCADE, related_name="reminder_preference"
    )
    by_sms = models.BooleanField(default=True)
    by_email = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"reminders for {self.client_id}: sms={self.by_sms} email={self.by_email}"
