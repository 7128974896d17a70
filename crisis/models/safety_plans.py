"""The Stanley-Brown safety plan: every change is a new version; older versions are kept."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from iop.encryption import EncryptedTextField

# (field, heading, the question the section answers), in the template's order.
SECTIONS = (
    (
        "warning_signs",
        "1. Warning signs",
        "Thoughts, images, moods, situations or behaviours that tell me a crisis may be coming.",
    ),
    (
        "coping_strategies",
        "2. Internal coping strategies",
        "Things I can do on my own to take my mind off my problems.",
    ),
    (
        "distractions",
        "3. People and places that distract me",
        "People I can be with and places I can go that help me feel better.",
    ),
    (
        "help_contacts",
        "4. People I can ask for help",
        "Names and phone numbers of people I can reach out to.",
    ),
    (
        "professionals",
        "5. Professionals and agencies I can contact",
        "My clinician and their after-hours line, my nearest emergency department, 988.",
    ),
    (
        "environment",
        "6. Making the environment safe",
        "What I will do to keep myself safe, such as putting away means of harm.",
    ),
    ("reason_for_living", "The one thing most worth living for", ""),
)
SECTION_FIELDS = tuple(name for name, _, _ in SECTIONS)


class SafetyPlan(models.Model):
    """One version of a client's plan, written by the client or a clinician (co-written)."""

    client = models.ForeignKey(
        "accounts.ClientProfile", on_delete=models.PROTECT, related_name="safety_plans"
    )
    version = models.PositiveIntegerField()
    warning_signs = EncryptedTextField(blank=True)
    coping_strategies = EncryptedTextField(blank=True)
    distractions = EncryptedTextField(blank=True)
    help_contacts = EncryptedTextField(blank=True)
    professionals = EncryptedTextField(blank=True)
    environment = EncryptedTextField(blank=True)
    reason_for_living = EncryptedTextField(blank=True)
    change_note = EncryptedTextField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by_label = models.CharField(max_length=254)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["client_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["client", "version"], name="safety_plan_version_once")
        ]

    def __str__(self) -> str:
        return f"Safety plan v{self.version} for {self.client_id}"

    def sections(self) -> list[dict]:
        """Each section's heading, prompt and lines, for templates and the API."""
        return [
            {
                "field": name,
                "heading": heading,
                "prompt": prompt,
                "lines": [
                    line.strip() for line in getattr(self, name).splitlines() if line.strip()
                ],
            }
            for name, heading, prompt in SECTIONS
        ]
