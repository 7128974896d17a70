"""Attendance: raw join/leave events, live presence, the derived result, corrections, alerts.

Events are only appended. `Attendance` is derived from them (sessions_app.attendance_rules)
and recomputed whenever an event arrives; a staff correction overrides the derived status
without erasing it, and every correction is kept.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from iop.encryption import EncryptedTextField


class EventKind(models.TextChoices):
    JOIN = "join", "Joined"
    REJOIN = "rejoin", "Rejoined"
    LEAVE = "leave", "Left"
    DISCONNECT = "disconnect", "Disconnected"
    TECH_ISSUE = "tech_issue", "Reported a technical issue"


OPENING_EVENTS = frozenset({EventKind.JOIN, EventKind.REJOIN})
CLOSING_EVENTS = frozenset({EventKind.LEAVE, EventKind.DISCONNECT})


class AttendanceEventSource(models.TextChoices):
    PRESENCE = "presence", "Session page (websocket)"
    WEBHOOK = "webhook", "Video provider webhook"
    PORTAL = "portal", "Portal"
    SYSTEM = "system", "Harbor"


class AttendanceEvent(models.Model):
    session = models.ForeignKey(
        "sessions_app.Session", on_delete=models.PROTECT, related_name="attendance_events"
    )
    client = models.ForeignKey(
        "accounts.ClientProfile", on_delete=models.PROTECT, related_name="attendance_events"
    )
    kind = models.CharField(max_length=12, choices=EventKind.choices)
    source = models.CharField(max_length=12, choices=AttendanceEventSource.choices)
    at = models.DateTimeField()
    detail = models.CharField(max_length=200, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["session", "client", "at"], name="attendance_event_order")]

    def __str__(self) -> str:
        return f"{self.client_id} {self.kind} {self.at:%H:%M:%S}"


class Presence(models.Model):
    """Whether a client's session page says they are in the room, and when it last said so."""

    session = models.ForeignKey("sessions_app.Session", on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey("accounts.ClientProfile", on_delete=models.CASCADE, related_name="+")
    in_room = models.BooleanField(default=False)
    last_seen_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "client"], name="presence_once")]
        indexes = [
            models.Index(
                fields=["last_seen_at"], condition=Q(in_room=True), name="presence_in_room_seen"
            )
        ]

    def __str__(self) -> str:
        return f"{self.client_id} in {self.session_id}: {'in' if self.in_room else 'out'}"


class AttendanceStatus(models.TextChoices):
    EXPECTED = "expected", "Not joined yet"
    PRESENT = "present", "Present"
    LATE = "late", "Late"
    LEFT_EARLY = "left_early", "Left early"
    TECHNICAL_ISSUE = "technical_issue", "Technical issue"
    EXCUSED = "excused", "Excused"
    NO_SHOW = "no_show", "No-show"


# What a correction may set (EXPECTED is a live state, not a result).
CORRECTABLE = [c for c in AttendanceStatus.choices if c[0] != AttendanceStatus.EXPECTED]


class Attendance(models.Model):
    """One client at one session, derived from the events (and corrected by staff if needed)."""

    session = models.ForeignKey(
        "sessions_app.Session", on_delete=models.PROTECT, related_name="attendances"
    )
    client = models.ForeignKey(
        "accounts.ClientProfile", on_delete=models.PROTECT, related_name="attendances"
    )
    session_starts_at = models.DateTimeField(help_text="Copied from the session, for ordering.")
    derived_status = models.CharField(max_length=16, choices=AttendanceStatus.choices)
    corrected_status = models.CharField(max_length=16, choices=AttendanceStatus.choices, blank=True)
    minutes_attended = models.PositiveIntegerField(default=0)
    derived_minutes = models.PositiveIntegerField(default=0)
    first_joined_at = models.DateTimeField(null=True, blank=True)
    last_left_at = models.DateTimeField(null=True, blank=True)
    in_room = models.BooleanField(default=False)
    reported_tech_issue = models.BooleanField(default=False)
    is_final = models.BooleanField(default=False)
    correction_reason = EncryptedTextField(max_length=300, blank=True)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    corrected_at = models.DateTimeField(null=True, blank=True)
    outreach_message = models.ForeignKey(
        "notify.OutboundMessage",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The 'we missed you' message, if one was sent.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["session_starts_at", "id"]
        verbose_name_plural = "attendance"
        constraints = [
            models.UniqueConstraint(fields=["session", "client"], name="attendance_once")
        ]
        indexes = [
            models.Index(fields=["client", "-session_starts_at"], name="attendance_client_recent"),
            # The API's list order: its first page is read off the index, not sorted.
            models.Index(fields=["session_starts_at", "id"], name="attendance_list_order"),
            # Weekly IOP hours (records): a client's minutes in a window, read off the index.
            models.Index(
                fields=["client", "session_starts_at"],
                include=["minutes_attended"],
                name="attendance_client_minutes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client_id} at {self.session_id}: {self.status}"

    @property
    def status(self) -> str:
        return self.corrected_status or self.derived_status

    def get_status_display(self) -> str:
        return AttendanceStatus(self.status).label

    @property
    def is_corrected(self) -> bool:
        return bool(self.corrected_status)


class AttendanceCorrection(models.Model):
    """A staff member changed an attendance result, and why. Only ever appended."""

    attendance = models.ForeignKey(Attendance, on_delete=models.PROTECT, related_name="corrections")
    previous_status = models.CharField(max_length=16, choices=AttendanceStatus.choices)
    status = models.CharField(max_length=16, choices=AttendanceStatus.choices)
    previous_minutes = models.PositiveIntegerField()
    minutes_attended = models.PositiveIntegerField()
    reason = EncryptedTextField(max_length=300)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    corrected_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-corrected_at", "-id"]

    def __str__(self) -> str:
        return f"{self.previous_status} → {self.status}"


class AlertReason(models.TextChoices):
    CONSECUTIVE_NO_SHOWS = "consecutive_no_shows", "Two sessions missed in a row"
    HIGH_RISK_NO_SHOW = "high_risk_no_show", "Missed a session after a high-risk check-in"
    BELOW_WEEKLY_MINIMUM = "below_weekly_minimum", "Below the weekly minimum of treatment hours"


class EngagementAlert(models.Model):
    """The care team should reach out: raised at most once per client and missed session, or
    (about a whole treatment week, e.g. hours below the program's minimum) once per client,
    week and reason."""

    client = models.ForeignKey(
        "accounts.ClientProfile", on_delete=models.PROTECT, related_name="engagement_alerts"
    )
    session = models.ForeignKey(
        "sessions_app.Session",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The missed session (empty for an alert about a whole week).",
    )
    week_starts_on = models.DateField(
        null=True, blank=True, help_text="The treatment week (its Monday) a weekly alert is about."
    )
    reason = models.CharField(max_length=24, choices=AlertReason.choices)
    raised_at = models.DateTimeField(auto_now_add=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["client", "session"], name="engagement_alert_once"),
            models.UniqueConstraint(
                fields=["client", "week_starts_on", "reason"],
                condition=Q(week_starts_on__isnull=False),
                name="engagement_alert_week_once",
            ),
            models.CheckConstraint(
                condition=Q(session__isnull=False) | Q(week_starts_on__isnull=False),
                name="engagement_alert_about_something",
            ),
        ]
        indexes = [
            models.Index(
                fields=["client"], condition=Q(acknowledged_at__isnull=True), name="engagement_open"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} ({self.client_id})"
