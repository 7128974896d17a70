from django.contrib import admin

from iop.audit.models import AccessLog


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """Read-only: the audit log cannot be edited or deleted through the application."""

    list_display = [
        "at",
        "actor_label",
        "action",
        "client",
        "object_type",
        "object_id",
        "detail",
        "channel",
    ]
    list_filter = ["action", "channel"]
    search_fields = ["actor_label", "object_type", "request_id"]
    date_hierarchy = "at"
    list_select_related = ["client__user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
