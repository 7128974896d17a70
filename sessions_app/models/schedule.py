"""Session series (RFC 5545 rules in the program's time zone) and the sessions they materialise.

A series generates one Session row per occurrence for a rolling horizon; every session stores
its start and end in UTC, computed from the local wall time, so daylight saving keeps the local
time. Two nullable timer columns drive the beat ticks through partial indexes (DESIGN
invariant 3): `missed_check_due_at` (start + grace) and `finalise_due_at` (end + a margin).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from iop.encryption import EncryptedTextField


class SessionKind(models.TextChoices):
    GROUP = "group", "Group therapy"
    PSYCHOEDUCATION = "psychoeducation", "Psychoeducation"
    INDIVIDUAL = "individual", "Individual therapy"
    FAMILY = "family", "Family session"


# Kinds held for a group's enrolled clients; the others are for one client.
GROUP_KINDS = frozenset({SessionKind.GROUP, SessionKind.PSYCHOEDUCATION})


class VideoProviderName(models.TextChoices):
    JITSI = "jitsi", "Jitsi Meet room"
    EXTERNAL = "external", "External link"
    LIVEKIT = "livekit", "LiveKit room"


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    CANCELLED = "cancelled", "Cancelled"


def _held_for_group_or_client() -> Q:
    return Q(group__isnull=False, client__isnull=True) | Q(group__isnull=True, client__isnull=False)


class SessionSeries(models.Model):
    """Sessions that recur: an RRULE, a local start time and a duration, in the program's zone."""

    program = models.ForeignKey("accounts.Program", on_delete=models.PROTECT, related_name="+")
    group = models.ForeignKey(
        "sessions_app.Group", null=True, blank=True, on_delete=models.PROTECT, related_name="series"
    )
    client = models.ForeignKey(
        "accounts.ClientProfile",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="session_series",
        help_text="For individual and family sessions.",
    )
    kind = models.CharField(max_length=16, choices=SessionKind.choices)
    title = models.CharField(max_length=120)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="facilitated_series"
    )
    rule = models.CharField(
        max_length=300, help_text="An RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=MO,WE,FR"
    )
    starts_on = models.DateField(help_text="The first day the rule may fall on.")
    ends_on = models.DateField(null=True, blank=True, help_text="The last day it may fall on.")
    start_time = models.TimeField(help_text="Local time in the program's time zone.")
    duration_minutes = models.PositiveSmallIntegerField()
    video_provider = models.CharField(
        max_length=16, choices=VideoProviderName.choices, default=VideoProviderName.JITSI
    )
    external_url = models.URLField(blank=True, help_text="The room, for the external provider.")
    generated_until = models.DateField(
        null=True, blank=True, editable=False, help_text="Sessions exist up to this local day."
    )
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["program_id", "title"]
        verbose_name_plural = "session series"
        constraints = [
            models.CheckConstraint(
                condition=_held_for_group_or_client(), name="series_group_or_client"
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5), name="series_duration_min"
            ),
        ]
        indexes = [
            models.Index(
                fields=["generated_until"],
                condition=Q(is_active=True),
                name="series_active_horizon",
            )
        ]

    def __str__(self) -> str:
        return self.title


def new_room_name() -> str:
    """An unguessable video room name: knowing one session's room tells nothing of another's."""
    return f"harbor-{secrets.token_urlsafe(18)}"


class Session(models.Model):
    """One occurrence: a series' or a single one. Times are UTC; `local_date` is the program's day."""

    series = models.ForeignKey(
        SessionSeries, null=True, blank=True, on_delete=models.PROTECT, related_name="sessions"
    )
    program = models.ForeignKey("accounts.Program", on_delete=models.PROTECT, related_name="+")
    group = models.ForeignKey(
        "sessions_app.Group",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sessions",
    )
    client = models.ForeignKey(
        "accounts.ClientProfile",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="own_sessions",
        help_text="For individual and family sessions.",
    )
    kind = models.CharField(max_length=16, choices=SessionKind.choices)
    title = models.CharField(max_length=120)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="facilitated_sessions"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    local_date = models.DateField(help_text="The day it falls on in the program's time zone.")
    occurrence_date = models.DateField(
        null=True, blank=True, editable=False, help_text="Which occurrence of its series it is."
    )
    is_exception = models.BooleanField(
        default=False, help_text="Moved on its own; changes to the rest of the series skip it."
    )
    status = models.CharField(
        max_length=12, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    cancel_reason = EncryptedTextField(max_length=200, blank=True)
    revision = models.PositiveIntegerField(
        default=0, help_text="Bumped on every move, so reminders of a moved session are new."
    )
    video_provider = models.CharField(
        max_length=16, choices=VideoProviderName.choices, default=VideoProviderName.JITSI
    )
    external_url = models.URLField(blank=True)
    room_name = models.CharField(max_length=64, unique=True, default=new_room_name, editable=False)
    missed_check_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    finalise_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    missed_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    finalised_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"
            ),
            models.CheckConstraint(
                condition=_held_for_group_or_client(), name="session_group_or_client"
            ),
            models.UniqueConstraint(
                fields=["series", "occurrence_date"],
                condition=Q(series__isnull=False),
                name="session_occurrence_once",
            ),
        ]
        indexes = [
            models.Index(
                fields=["missed_check_due_at"],
                condition=Q(missed_check_due_at__isnull=False),
                name="session_missed_due",
            ),
            models.Index(
                fields=["finalise_due_at"],
                condition=Q(finalise_due_at__isnull=False),
                name="session_finalise_due",
            ),
            models.Index(fields=["group", "starts_at"], name="session_group_start"),
            models.Index(fields=["facilitator", "starts_at"], name="session_facilitator_start"),
            models.Index(fields=["client", "starts_at"], name="session_client_start"),
            models.Index(fields=["program", "starts_at"], name="session_program_start"),
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.starts_at:%Y-%m-%d %H:%M} UTC"

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED

    @property
    def is_group(self) -> bool:
        return self.group_id is not None

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)
