"""API keys for integrators: stored hashed, scoped to one program and a set of scopes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

from iop.encryption import EncryptedTextField


class Scope(models.TextChoices):
    CLIENTS_READ = "clients:read", "Read clients"
    CONSENTS_READ = "consents:read", "Read consents"
    CONSENTS_WRITE = "consents:write", "Record consents"
    SESSIONS_READ = "sessions:read", "Read groups, sessions, attendance and tech checks"
    SESSIONS_WRITE = (
        "sessions:write",
        "Schedule, move and cancel sessions; enrol clients; correct attendance; decide make-ups",
    )
    CHECKINS_READ = "checkins:read", "Read check-ins and instruments"
    CHECKINS_WRITE = "checkins:write", "Record check-ins"
    SAFETY_PLANS_READ = "safety_plans:read", "Read safety plans"
    CRISIS_READ = "crisis:read", "Read crisis events, policies, on-call and resources"
    CRISIS_WRITE = "crisis:write", "Open, acknowledge and resolve crisis events"
    SUPPORT_READ = "support:read", "Read tech-support tickets and their conversation"
    SUPPORT_WRITE = "support:write", "Open tech-support tickets for clients, reply, change status"
    RECORDINGS_READ = (
        "recordings:read",
        "Read session recordings' records and clients' access requests (never their media)",
    )
    MESSAGES_READ = "messages:read", "Read secure messages between clients and their care team"
    RECORDS_EXPORT = (
        "records:export",
        "Export a client's signed treatment plans and session notes as one PDF",
    )
    TREATMENT_PLANS_READ = "treatment_plans:read", "Read clients' treatment plans (every version)"
    HOURS_READ = "hours:read", "Read clients' weekly treatment hours (IOP hours)"
    SESSION_NOTES_READ = (
        "session_notes:read",
        "Read session notes and their addenda (never group summaries)",
    )


KEY_PREFIX = "hbr"


def hash_secret(secret: str) -> str:
    # The secret is 32 random bytes, so a fast hash is enough; no salt or stretching needed.
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiKey(models.Model):
    name = models.CharField(max_length=120, help_text="Who uses it, e.g. 'EHR sync'.")
    prefix = models.CharField(max_length=12, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    program = models.ForeignKey("accounts.Program", on_delete=models.PROTECT, related_name="+")
    scopes = ArrayField(models.CharField(max_length=32, choices=Scope.choices))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    # An API key is the principal of its requests: DRF and the selectors treat it like a user.
    is_authenticated = True
    is_anonymous = False
    is_active = True

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now

    def matches(self, secret: str) -> bool:
        return hmac.compare_digest(self.secret_hash, hash_secret(secret))

    @staticmethod
    def new_token() -> tuple[str, str, str]:
        """Return (prefix, secret, token) where token = 'hbr_<prefix>_<secret>' is shown once."""
        prefix = secrets.token_hex(4)
        secret = secrets.token_urlsafe(32)
        return prefix, secret, f"{KEY_PREFIX}_{prefix}_{secret}"


# How long a POST's Idempotency-Key and its response are kept (iop/api/idempotency.py).
IDEMPOTENCY_TTL = timedelta(hours=24)


class IdempotentRequest(models.Model):
    """A POST sent with an Idempotency-Key: a fingerprint of what it asked and what it got, so a
    retry is answered with the first response instead of doing the work twice."""

    # "key:<id>" or "user:<id>": whose key it is. A cache row, so no foreign key to cascade.
    owner = models.CharField(max_length=40)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and body.")
    status_code = models.PositiveSmallIntegerField(null=True, help_text="None while running.")
    content_type = models.CharField(max_length=100, blank=True)
    # A response may name a client or carry their answers: encrypted like the rows it copies.
    body = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="idempotent_request_owner_key")
        ]

    def __str__(self) -> str:
        return f"{self.owner} {self.key}"


class TableChange(models.Model):
    """One row per write statement on a table (a statement-level trigger on every table writes
    it, in the writer's own transaction); (sum of weights, highest id) over a list's tables is
    the version of the data it read, so a cached list answer (iop/api/list_cache.py) is served
    only while nothing it read has changed. Compacted to one row per table by
    `table_changes_compact`."""

    table_name = models.CharField(max_length=63)
    weight = models.BigIntegerField(default=1)

    class Meta:
        indexes = [models.Index(fields=["table_name"], name="api_tablechange_table")]

    def __str__(self) -> str:
        return f"{self.table_name} +{self.weight}"
