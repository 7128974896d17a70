from django.contrib import admin

from iop.audit.admin_mixins import AuditedAdminMixin
from iop.consents.models import ConsentDocument, ConsentRecord


@admin.register(ConsentDocument)
class ConsentDocumentAdmin(admin.ModelAdmin):
    """A published version is frozen; publish a new version instead of editing."""

    list_display = ["kind", "version", "title", "published_at", "requires_reconsent"]
    list_filter = ["kind"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return [
                "kind",
                "version",
                "title",
                "summary",
                "body",
                "published_at",
                "requires_reconsent",
            ]
        return []

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ConsentRecord)
class ConsentRecordAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["recorded_at", "client", "kind", "action", "method", "recorded_by"]
    list_filter = ["kind", "action", "method"]
    list_select_related = ["client__user", "recorded_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
