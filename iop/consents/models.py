"""Versioned consent documents and the append-only ledger of grants and withdrawals."""

from django.conf import settings
from django.db import models

from iop.encryption import EncryptedTextField


class ConsentKind(models.TextChoices):
    RECORDING_THERAPEUTIC = "recording_therapeutic", "Recording for therapeutic review"
    RECORDING_QA = "recording_qa", "Recording for quality assurance"
    RECORDING_EDUCATION = "recording_education", "Recording for education"
    RECORDING_CATCHUP = (
        "recording_catchup",
        "Recording for catch-up by group members who missed",
    )
    EMERGENCY_CONTACT = "emergency_contact", "Emergency-contact disclosure"
    SMS = "sms", "Text messages"
    LOCATION = "location", "Location sharing"
    FAMILY = "family", "Family involvement"


class ConsentDocument(models.Model):
    """One version of the text a client agrees to. Published versions are never edited."""

    kind = models.CharField(max_length=32, choices=ConsentKind.choices)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300, help_text="One plain sentence shown first.")
    body = models.TextField()
    published_at = models.DateTimeField()
    requires_reconsent = models.BooleanField(
        default=False,
        help_text="Grants of earlier versions stop counting once this version is published.",
    )

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="consent_doc_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"


class ConsentAction(models.TextChoices):
    GRANT = "grant", "Granted"
    WITHDRAW = "withdraw", "Withdrawn"


class ConsentMethod(models.TextChoices):
    PORTAL = "portal", "In the portal"
    IN_SESSION = "in_session", "Verbally in session"
    PAPER = "paper", "On paper"


class ConsentRecord(models.Model):
    """One grant or withdrawal. Rows are only ever added (PostgreSQL refuses UPDATE/DELETE,
    except key rotation re-encrypting `note`: see migration 0003)."""

    client = models.ForeignKey(
        "accounts.ClientProfile", on_delete=models.PROTECT, related_name="consent_records"
    )
    document = models.ForeignKey(ConsentDocument, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=32, choices=ConsentKind.choices, editable=False)
    action = models.CharField(max_length=8, choices=ConsentAction.choices)
    method = models.CharField(max_length=12, choices=ConsentMethod.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(db_index=True)
    note = EncryptedTextField(max_length=300, blank=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [
            models.Index(fields=["client", "kind", "-recorded_at"], name="consent_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.client} {self.action} {self.document}"
