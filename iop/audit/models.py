"""The append-only record of who read or changed whose health information."""

from django.conf import settings
from django.db import models


class Action(models.TextChoices):
    VIEW = "view", "View"
    CREATE = "create", "Create"
    UPDATE = "update", "Update"
    DELETE = "delete", "Delete"
    EXPORT = "export", "Export"


class AccessLog(models.Model):
    """One read or write of health information, or a change of who may read it (a role, a
    program, a care team, an API key, an on-call shift; `client` is empty for those that name no
    client). PostgreSQL refuses UPDATE, DELETE and TRUNCATE here."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    api_key = models.ForeignKey(
        "api.ApiKey", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=254, help_text="Who, as they were named then.")
    action = models.CharField(max_length=8, choices=Action.choices)
    client = models.ForeignKey(
        "accounts.ClientProfile",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        # access_client_at (client, -at) serves every lookup by client; a second index on
        # client alone only made each of the many inserts slower.
        db_index=False,
        help_text="Whose information it is.",
    )
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=64, blank=True)
    detail = models.CharField(
        max_length=255, blank=True, help_text="What changed, e.g. 'role: clinician → supervisor'."
    )
    channel = models.CharField(max_length=16, blank=True, help_text="portal, staff, api, admin")
    request_id = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["client", "-at"], name="access_client_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}"
