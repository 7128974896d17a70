"""Session notes: one per attended client per session (DAP or SOAP, as the program chose), a
shared summary of each group session, addenda after signing, and who needs a co-signature.

A note is a draft until its author signs it with their typed name; from then on it is locked
and corrections are addenda (who, when, why). Group summaries are for staff only: a client
never reads one, since it names the others in the room.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from iop.encryption import EncryptedTextField
from records.models.settings import NoteFormat

SECTION_MAX = 10000
SUMMARY_MAX = 10000
ADDENDUM_MAX = 5000
REASON_MAX = 300

# The sections of each format, in the order they are written.
SECTIONS: dict[str, tuple[str, ...]] = {
    NoteFormat.DAP: ("data", "assessment", "plan"),
    NoteFormat.SOAP: ("subjective", "objective", "assessment", "plan"),
}
ALL_SECTIONS = ("data", "subjective", "objective", "assessment", "plan")


class SessionNote(models.Model):
    """What happened for one client at one session, written by a facilitator or their
    clinician; attendance and minutes are a snapshot of the attendance record when drafted."""

    session = models.ForeignKey("sessions_app.Session", on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(
        "accounts.ClientProfile", on_delete=models.PROTECT, related_name="session_notes"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note_format = models.CharField(max_length=8, choices=NoteFormat.choices)
    attendance_status = models.CharField(max_length=16)
    minutes_attended = models.PositiveIntegerField(default=0)
    data = EncryptedTextField(blank=True)
    subjective = EncryptedTextField(blank=True)
    objective = EncryptedTextField(blank=True)
    assessment = EncryptedTextField(blank=True)
    plan = EncryptedTextField(blank=True)
    objectives = models.ManyToManyField(
        "records.PlanObjective",
        blank=True,
        related_name="session_notes",
        help_text="Treatment plan objectives this session addressed.",
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_name = models.CharField(max_length=200, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    needs_cosign = models.BooleanField(
        default=False, help_text="Set when signed by a clinician whose notes need co-signature."
    )
    cosigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cosigned_name = models.CharField(max_length=200, blank=True)
    cosigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "client"], name="session_note_once"),
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True) | Q(signed_by__isnull=False),
                name="session_note_signed_by_someone",
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"], condition=Q(signed_at__isnull=True), name="note_unsigned"
            ),
            models.Index(
                fields=["signed_at"],
                condition=Q(needs_cosign=True, cosigned_at__isnull=True),
                name="note_awaiting_cosign",
            ),
            models.Index(fields=["client", "-created_at"], name="note_client_recent"),
        ]

    def __str__(self) -> str:
        return f"Note of session {self.session_id} for {self.client_id}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    @property
    def attendance_label(self) -> str:
        return self.attendance_status.replace("_", " ").capitalize()

    @property
    def sections(self) -> list[tuple[str, str]]:
        """(section name, text) in the note's format's order."""
        return [(name, getattr(self, name)) for name in SECTIONS[self.note_format]]


class GroupSummary(models.Model):
    """What happened in a group session as a whole; staff only, never shown to a client."""

    session = models.OneToOneField(
        "sessions_app.Session", on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = EncryptedTextField(max_length=SUMMARY_MAX)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_name = models.CharField(max_length=200, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "group summaries"

    def __str__(self) -> str:
        return f"Group summary of session {self.session_id}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class NoteAddendum(models.Model):
    """A correction or addition to a signed note: who, when, why. Only ever appended."""

    note = models.ForeignKey(SessionNote, on_delete=models.PROTECT, related_name="addenda")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField()
    reason = EncryptedTextField(max_length=REASON_MAX)
    text = EncryptedTextField(max_length=ADDENDUM_MAX)

    class Meta:
        ordering = ["written_at", "id"]
        verbose_name_plural = "note addenda"

    def __str__(self) -> str:
        return f"Addendum to note {self.note_id}"


class NoteCosignRequirement(models.Model):
    """A clinician whose notes a supervisor of their program must co-sign (e.g. an intern)."""

    clinician = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="note_cosign_requirement"
    )
    reason = models.CharField(max_length=200, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    set_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Notes of {self.clinician_id} need co-signature"
