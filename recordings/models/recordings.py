"""A recording of a session for one purpose, made of segments; who was present in each.

A segment is recorded only while everyone present holds active consent for the purpose (DESIGN
invariant 4): someone without it joining ends the segment (the recording pauses), and their
leaving or consenting starts the next one. `wrapped_key` is the recording's data key, wrapped
by a key-encryption key (`kek_id`); None once purged (crypto-shredding).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from iop.consents.models import ConsentKind


class RecordingPurpose(models.TextChoices):
    THERAPEUTIC = "therapeutic", "Therapeutic review"
    QA = "qa", "Quality assurance"
    EDUCATION = "education", "Education"
    CATCHUP = "catchup", "Catch-up for group members who missed"


# The consent each purpose needs of everyone present (and of everyone in a segment to play it).
CONSENT_FOR_PURPOSE: dict[str, str] = {
    RecordingPurpose.THERAPEUTIC: ConsentKind.RECORDING_THERAPEUTIC,
    RecordingPurpose.QA: ConsentKind.RECORDING_QA,
    RecordingPurpose.EDUCATION: ConsentKind.RECORDING_EDUCATION,
    RecordingPurpose.CATCHUP: ConsentKind.RECORDING_CATCHUP,
}


class RecordingState(models.TextChoices):
    RECORDING = "recording", "Recording"
    PAUSED = "paused", "Paused: not everyone has agreed"
    STOPPED = "stopped", "Stopped"
    FAILED = "failed", "Failed"
    PURGED = "purged", "Purged"


ACTIVE_STATES = (RecordingState.RECORDING, RecordingState.PAUSED)


class Recording(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session = models.ForeignKey("sessions_app.Session", on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(max_length=16, choices=RecordingPurpose.choices)
    provider = models.CharField(max_length=16, help_text="The recording provider's name.")
    state = models.CharField(
        max_length=12, choices=RecordingState.choices, default=RecordingState.RECORDING
    )
    state_changed_at = models.DateTimeField()
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField()
    stopped_at = models.DateTimeField(null=True, blank=True)
    stopped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kek_id = models.CharField(max_length=64, blank=True)
    wrapped_key = models.BinaryField(null=True, blank=True, editable=False)
    legal_hold = models.BooleanField(default=False)
    legal_hold_reason = models.CharField(max_length=300, blank=True)
    purge_due_at = models.DateTimeField(null=True, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)
    # What the facilitator must be told about the recording itself (an egress that never
    # reported, a segment that could not be stopped or stored); empty when all is well.
    alert = models.CharField(max_length=300, blank=True)
    alert_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session"],
                condition=Q(state__in=[s.value for s in ACTIVE_STATES]),
                name="recording_one_active_per_session",
            )
        ]
        indexes = [
            models.Index(
                fields=["purge_due_at"],
                condition=Q(purge_due_at__isnull=False, purged_at__isnull=True),
                name="recording_purge_due",
            ),
            models.Index(fields=["session", "-started_at"], name="recording_session"),
        ]

    def __str__(self) -> str:
        return f"Recording {self.uuid} ({self.get_purpose_display()}, {self.state})"

    @property
    def consent_kind(self) -> str:
        return CONSENT_FOR_PURPOSE[self.purpose]

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES


class SegmentState(models.TextChoices):
    RECORDING = "recording", "Recording"
    STORING = "storing", "Ended, being stored"
    STORED = "stored", "Stored"
    FAILED = "failed", "Failed"
    DISCARDED = "discarded", "Discarded"
    PURGED = "purged", "Purged (key destroyed)"


class RecordingSegment(models.Model):
    """A stretch recorded while everyone present consented. Its media is stored encrypted once
    it ends (`store_due_at` is the timer of that work: due now, or later while the provider
    is still finishing the file); never half-stored: `object_key` is set only when stored."""

    recording = models.ForeignKey(Recording, on_delete=models.PROTECT, related_name="segments")
    index = models.PositiveIntegerField()
    state = models.CharField(
        max_length=12, choices=SegmentState.choices, default=SegmentState.RECORDING
    )
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_reason = models.CharField(max_length=300, blank=True)
    provider_ref = models.CharField(max_length=200, blank=True)
    # What the provider last said of its capture ("active", "complete", "failed": its webhooks
    # and the reconcile's ListEgress) and when; a terminal word is never replaced by "active"
    # (webhooks arrive out of order). Empty until it first reports.
    provider_status = models.CharField(max_length=12, blank=True)
    provider_status_at = models.DateTimeField(null=True, blank=True)
    object_key = models.CharField(max_length=200, blank=True)
    plaintext_size = models.BigIntegerField(null=True, blank=True)
    ciphertext_size = models.BigIntegerField(null=True, blank=True)
    chunk_size = models.PositiveIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=64, blank=True)
    error = models.CharField(max_length=300, blank=True)
    store_due_at = models.DateTimeField(null=True, blank=True)
    store_attempts = models.PositiveSmallIntegerField(default=0)
    stored_at = models.DateTimeField(null=True, blank=True)
    participants: models.ManyToManyField = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="SegmentParticipant", related_name="+"
    )

    class Meta:
        ordering = ["recording_id", "index"]
        constraints = [
            models.UniqueConstraint(fields=["recording", "index"], name="segment_index_once"),
            models.UniqueConstraint(
                fields=["recording"],
                condition=Q(state="recording"),
                name="segment_one_recording",
            ),
        ]
        indexes = [
            models.Index(
                fields=["store_due_at"],
                condition=Q(state="storing", store_due_at__isnull=False),
                name="segment_store_due",
            ),
            # Objects of purged segments not deleted yet (a failed delete is retried).
            models.Index(
                fields=["id"],
                condition=Q(state="purged") & ~Q(object_key=""),
                name="segment_purge_left",
            ),
        ]

    def __str__(self) -> str:
        return f"Segment {self.index} of {self.recording_id} ({self.state})"

    @property
    def aad(self) -> bytes:
        """What the ciphertext is bound to: this segment of this recording, nothing else."""
        return f"harbor-recording:{self.recording.uuid}:{self.index}".encode()


class SegmentParticipant(models.Model):
    """Someone present while the segment was recorded (from the provider's or Harbor's events)."""

    segment = models.ForeignKey(
        RecordingSegment, on_delete=models.CASCADE, related_name="participant_rows"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    joined_at = models.DateTimeField()

    class Meta:
        ordering = ["segment_id", "joined_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["segment", "user"], name="segment_participant_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in segment {self.segment_id}"
