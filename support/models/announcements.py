"""Announcements of platform updates and maintenance: banners in their window, dismissable, and
for those marked "tell people", a message to opted-in users a set time ahead (a timer row)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from support.models.help import Audience


class Severity(models.TextChoices):
    INFO = "info", "Update"
    MAINTENANCE = "maintenance", "Planned maintenance"
    URGENT = "urgent", "Problem affecting sessions"


class Announcement(models.Model):
    """Shown as a banner from `shown_from` until `shown_to`.

    `notice_due_at` is the timer of the "tell people" message (DESIGN invariant 3): set when the
    announcement asks for it, claimed by the announcement tick, None once the messages are in
    the outbox.
    """

    title = models.CharField(max_length=160)
    body = models.TextField(blank=True, help_text="Markdown; shown under the banner's title.")
    body_html = models.TextField(editable=False, default="")
    severity = models.CharField(max_length=12, choices=Severity.choices, default=Severity.INFO)
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.BOTH)
    program = models.ForeignKey(
        "accounts.Program",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Leave empty for every program.",
    )
    shown_from = models.DateTimeField()
    shown_to = models.DateTimeField()
    happens_at = models.DateTimeField(
        null=True, blank=True, help_text="When the update or maintenance starts, if it has a time."
    )
    tell_people = models.BooleanField(
        default=False,
        help_text="Also send it to people who asked to hear about updates (by text or email).",
    )
    tell_hours_ahead = models.PositiveSmallIntegerField(
        default=24, help_text="How many hours before it happens the message goes out."
    )
    notice_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    notice_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    notice_count = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-shown_from", "-id"]
        indexes = [
            models.Index(fields=["shown_to", "shown_from"], name="announcement_window"),
            models.Index(
                fields=["notice_due_at"],
                condition=Q(notice_due_at__isnull=False),
                name="announcement_notice_due",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(shown_to__gt=models.F("shown_from")), name="announcement_window_order"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class AnnouncementDismissal(models.Model):
    announcement = models.ForeignKey(
        Announcement, on_delete=models.CASCADE, related_name="dismissals"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    dismissed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["announcement", "user"], name="dismissed_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} dismissed {self.announcement_id}"


class NoticeChannel(models.TextChoices):
    SMS = "sms", "Text message"
    EMAIL = "email", "Email"


class UpdateNoticeOptIn(models.Model):
    """A person asked to hear about platform updates and maintenance, by text or email."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="update_notice_opt_in"
    )
    channel = models.CharField(max_length=8, choices=NoticeChannel.choices)
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user_id} by {self.channel}"
