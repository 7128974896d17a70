"""The recordings admin: retention settings and legal holds only (recordings are never edited).

Both write through the services (recording_retention_set, recording_legal_hold_set), called
from the form's clean(): a refusal shows on the form and nothing is saved. A recording's page
shows what it is, read-only; its one form is the legal hold.
"""

from __future__ import annotations

from django.contrib import admin

from iop.audit.admin_mixins import AuditedAdminMixin
from recordings import services
from recordings.models import Recording, RecordingRetention
from sessions_app.admin import ServiceAdmin, ServiceForm


class RetentionForm(ServiceForm):
    class Meta:
        model = RecordingRetention
        fields = ["days"]

    def call(self, data):
        return services.recording_retention_set(
            actor=self.request.user, purpose=self.instance.purpose, days=data["days"]
        )


@admin.register(RecordingRetention)
class RecordingRetentionAdmin(ServiceAdmin):
    form = RetentionForm
    list_display = ["purpose", "days"]
    readonly_fields = ["purpose"]
    fields = ["purpose", "days"]

    def has_add_permission(self, request):
        return False  # one row per purpose, made by the migration

    def has_delete_permission(self, request, obj=None):
        return False


class LegalHoldForm(ServiceForm):
    class Meta:
        model = Recording
        fields = ["legal_hold", "legal_hold_reason"]
        help_texts = {
            "legal_hold": "A held recording is never purged; releasing a hold lets an overdue "
            "purge run at the next tick.",
            "legal_hold_reason": "Required to place a hold (a case, a complaint, a subpoena).",
        }

    def call(self, data):
        return services.recording_legal_hold_set(
            actor=self.request.user,
            recording=self.instance,
            hold=bool(data.get("legal_hold")),
            reason=data.get("legal_hold_reason") or "",
        )


HOLD_FIELDS = ("legal_hold", "legal_hold_reason")
SHOWN: tuple[str, ...] = (
    "uuid",
    "session",
    "purpose",
    "provider",
    "state",
    "state_changed_at",
    "started_by",
    "started_at",
    "stopped_by",
    "stopped_at",
    "kek_id",
    "purge_due_at",
    "purged_at",
    "alert",
    "alert_at",
)


@admin.register(Recording)
class RecordingAdmin(AuditedAdminMixin, ServiceAdmin):
    """Read-only but for the legal hold; no adding, no deleting (the purge deletes)."""

    form = LegalHoldForm
    audit_client_field = ""
    list_display = [
        "uuid",
        "session",
        "purpose",
        "state",
        "started_at",
        "purge_due_at",
        "purged_at",
        "legal_hold",
    ]
    list_filter = ["purpose", "state", "legal_hold"]
    list_select_related = ["session"]
    search_fields = ["uuid"]
    date_hierarchy = "started_at"
    fieldsets = [
        (None, {"fields": SHOWN}),
        ("Legal hold", {"fields": HOLD_FIELDS}),
    ]
    readonly_fields = SHOWN

    def audit_client_of(self, obj):
        return None  # a recording is of a session; who is in it is in its segments

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.purged_at is not None:
            return (*SHOWN, *HOLD_FIELDS)  # nothing left to hold
        return SHOWN

    def save_model(self, request, obj, form, change):
        pass  # the service saved the hold (and audited it)
