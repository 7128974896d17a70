"""Audit for the Django admin: lists and detail pages of health information write AccessLog rows."""

from __future__ import annotations

from iop.audit.models import Action
from iop.audit.services import access_record, access_record_list


class AuditedAdminMixin:
    """Mix into a ModelAdmin whose rows belong to a client; name the path to that client."""

    audit_client_field = "client"  # attribute of the row holding its ClientProfile; "" = the row

    def audit_client_of(self, obj):
        return getattr(obj, self.audit_client_field) if self.audit_client_field else obj

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            clients = {self.audit_client_of(obj) for obj in changelist.result_list}
            access_record_list(
                actor=request.user,
                clients=[c for c in clients if c is not None],
                object_type=f"admin list {self.model._meta.label}",
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            obj = self.get_object(request, object_id)
            if obj is not None:
                access_record(
                    actor=request.user,
                    action=Action.VIEW,
                    client=self.audit_client_of(obj),
                    obj=obj,
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        access_record(
            actor=request.user,
            action=Action.UPDATE if change else Action.CREATE,
            client=self.audit_client_of(obj),
            obj=obj,
        )
