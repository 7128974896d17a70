from django.contrib import admin, messages

from iop.audit.admin_mixins import AuditedAdminMixin
from iop.domain import DomainError
from iop.notify import services
from iop.notify.models import DeliveryReceipt, InboundMessage, OutboundMessage, SmsOptOut


class ReceiptInline(admin.TabularInline):
    model = DeliveryReceipt
    extra = 0
    can_delete = False
    fields = ("received_at", "provider_status", "error_code", "applied")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(OutboundMessage)
class OutboundMessageAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """The outbox. Read-only: messages change only through services (retry now, receipts)."""

    list_display = [
        "id",
        "created_at",
        "channel",
        "purpose",
        "to",
        "status",
        "attempts",
        "error_code",
        "next_attempt_at",
        "provider",
    ]
    list_filter = ["status", "channel", "purpose", "provider"]
    search_fields = ["to", "idempotency_key", "provider_id"]
    date_hierarchy = "created_at"
    list_select_related = ["client__user"]
    inlines = [ReceiptInline]
    actions = ["retry_now"]
    exclude = ["about_type", "about_id", "body", "context"]
    raw_id_fields = ["user", "client", "fallback_for"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name not in self.exclude] + ["about"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Retry now")
    def retry_now(self, request, queryset):
        retried = 0
        for message in queryset:
            try:
                services.message_retry(actor=request.user, message=message)
                retried += 1
            except DomainError as exc:
                self.message_user(request, exc.message, level=messages.WARNING)
        if retried:
            self.message_user(request, f"{retried} message(s) queued to send now.")


@admin.register(InboundMessage)
class InboundMessageAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["received_at", "channel", "from_number", "keyword", "client", "handled_by"]
    list_filter = ["channel", "keyword"]
    search_fields = ["from_number", "provider_id"]
    exclude = ["body"]
    list_select_related = ["client__user", "user"]
    readonly_fields = [
        "channel",
        "provider_id",
        "from_number",
        "to_number",
        "keyword",
        "user",
        "client",
        "handled_by",
        "received_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SmsOptOut)
class SmsOptOutAdmin(admin.ModelAdmin):
    list_display = ["phone", "is_opted_out", "source", "changed_at"]
    list_filter = ["is_opted_out", "source"]
    search_fields = ["phone"]
    readonly_fields = ["phone", "is_opted_out", "source", "detail", "changed_at"]

    def has_add_permission(self, request):
        return False
