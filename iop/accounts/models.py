"""People and their relationships: users and roles, programs, care teams, emergency contacts."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models import Q
from django.utils import timezone

from iop.accounts.validators import validate_e164, validate_time_zone
from iop.encryption import EncryptedTextField


class Role(models.TextChoices):
    CLIENT = "client", "Client"
    CLINICIAN = "clinician", "Clinician"
    SUPERVISOR = "supervisor", "Supervisor"
    SUPPORT_TIER1 = "support1", "Support agent (tier 1)"
    SUPPORT_TIER2 = "support2", "Support specialist (tier 2)"
    ADMIN = "admin", "Administrator"


STAFF_ROLES = frozenset(
    {Role.CLINICIAN, Role.SUPERVISOR, Role.SUPPORT_TIER1, Role.SUPPORT_TIER2, Role.ADMIN}
)
CLINICAL_ROLES = frozenset({Role.CLINICIAN, Role.SUPERVISOR, Role.ADMIN})


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.update(role=Role.ADMIN, is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractUser):
    """Anyone who signs in. Identified by email; the role decides what they may see."""

    username = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=150)
    preferred_name = models.CharField(max_length=80, blank=True)
    phone = models.CharField(
        max_length=16,
        blank=True,
        validators=[validate_e164],
        help_text="E.164, e.g. +14155550123. Changed only through a PhoneVerification.",
    )
    phone_verified_at = models.DateTimeField(
        null=True, blank=True, help_text="When the person proved they hold `phone`."
    )
    time_zone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_time_zone]
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.CLIENT)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]
    objects = UserManager()  # type: ignore[assignment,misc]

    class Meta:
        ordering = ["full_name", "email"]
        constraints = [
            # Inbound texts and calls find their sender by number: one active owner per number.
            models.UniqueConstraint(
                fields=["phone"],
                condition=Q(is_active=True, phone_verified_at__isnull=False) & ~Q(phone=""),
                name="user_verified_phone_once",
            )
        ]

    def __str__(self) -> str:
        return self.display_name

    def clean(self) -> None:
        super().clean()
        self.email = self.email.strip().lower()

    @property
    def display_name(self) -> str:
        return self.preferred_name or self.full_name or self.email

    @property
    def is_client(self) -> bool:
        return self.role == Role.CLIENT

    @property
    def is_staff_member(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_clinical(self) -> bool:
        return self.role in CLINICAL_ROLES


class Program(models.Model):
    """The clinic's program a client is enrolled in and a supervisor oversees."""

    name = models.CharField(max_length=120, unique=True)
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StaffProfile(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="staff_profile")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="staff")
    title = models.CharField(max_length=120, blank=True)
    credentials = models.CharField(max_length=60, blank=True, help_text="e.g. LCSW, PhD")
    after_hours_phone = models.CharField(max_length=16, blank=True, validators=[validate_e164])
    is_on_call = models.BooleanField(
        default=False, help_text="Receives the on-call live feed (replaced by the rota in crisis/)."
    )
    may_use_education_recordings = models.BooleanField(
        default=False,
        help_text="May play recordings made for education (each segment's people consented).",
    )

    def __str__(self) -> str:
        return f"{self.user} ({self.program})"


class ClientProfile(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="client_profile")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="clients")
    record_number = models.CharField(max_length=32, unique=True)
    date_of_birth = models.DateField(null=True, blank=True)
    admitted_on = models.DateField(null=True, blank=True)
    discharged_on = models.DateField(null=True, blank=True)
    address = EncryptedTextField(blank=True, help_text="Home address, used in an emergency.")
    clinicians: models.ManyToManyField[User, CareTeamMember] = models.ManyToManyField(
        User, through="CareTeamMember", related_name="caseload", blank=True
    )

    class Meta:
        ordering = ["user__full_name"]

    def __str__(self) -> str:
        return f"{self.user.display_name} ({self.record_number})"


class CareTeamMember(models.Model):
    client = models.ForeignKey(ClientProfile, on_delete=models.CASCADE, related_name="care_team")
    clinician = models.ForeignKey(User, on_delete=models.PROTECT, related_name="care_teams")
    is_primary = models.BooleanField(default=False)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "clinician"], name="care_team_once"),
            models.UniqueConstraint(
                fields=["client"], condition=Q(is_primary=True), name="care_team_one_primary"
            ),
        ]
        ordering = ["-is_primary", "clinician__full_name"]

    def __str__(self) -> str:
        return f"{self.clinician} → {self.client}{' (primary)' if self.is_primary else ''}"


class EmergencyContact(models.Model):
    """A person the clinic may contact in a crisis, only with consent or a recorded override."""

    client = models.ForeignKey(
        ClientProfile, on_delete=models.CASCADE, related_name="emergency_contacts"
    )
    priority = models.PositiveSmallIntegerField(help_text="1 is contacted first.")
    name = EncryptedTextField()
    relationship = models.CharField(max_length=60)
    phone = EncryptedTextField(validators=[validate_e164])
    email = EncryptedTextField(blank=True)
    notes = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["client_id", "priority"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "priority"],
                name="contact_priority_once",
                deferrable=models.Deferrable.DEFERRED,
            ),
            models.CheckConstraint(condition=Q(priority__gte=1), name="contact_priority_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.relationship})"


class PhoneVerification(models.Model):
    """A new number waiting for the code texted to it; `User.phone` changes only once it matches.

    The code is stored hashed (Django's password hashers); a row is good for `expires_at` and
    `MAX_ATTEMPTS` wrong tries. A user has at most one pending row (a new request replaces it).
    """

    MAX_ATTEMPTS = 5

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="phone_verifications"
    )
    phone = models.CharField(max_length=16, validators=[validate_e164])
    code_hash = models.CharField(max_length=256)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(confirmed_at__isnull=True),
                name="phone_verification_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.phone} ({'confirmed' if self.confirmed_at else 'pending'})"


class UserSession(AbstractBaseSession):
    """A signed-in browser session, linked to its user so it can be ended from the server."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="sessions"
    )

    @classmethod
    def get_session_store_class(cls):
        from iop.accounts.session_store import SessionStore

        return SessionStore
