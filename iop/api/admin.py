"""API keys in the admin: the token is shown once on creation; afterwards only the prefix."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminSplitDateTime
from django.template.response import TemplateResponse
from django.utils import timezone

from iop.accounts.models import Role
from iop.api import services
from iop.api.models import ApiKey, Scope

DEFAULT_LIFETIME = timedelta(days=90)


def _is_admin(user) -> bool:
    return user.is_active and (user.is_superuser or user.role == Role.ADMIN)


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices, widget=forms.CheckboxSelectMultiple, required=True
    )
    expires_at = forms.SplitDateTimeField(
        widget=AdminSplitDateTime,
        initial=lambda: timezone.now() + DEFAULT_LIFETIME,
        help_text="Keys always expire; make a new one before this date.",
    )

    class Meta:
        model = ApiKey
        fields = ["name", "program", "scopes", "expires_at"]

    def clean_expires_at(self):
        expires_at = self.cleaned_data["expires_at"]
        if (problem := services.expiry_problem(expires_at)) is not None:
            raise forms.ValidationError(problem)
        return expires_at


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    form = ApiKeyForm
    list_display = [
        "name",
        "prefix",
        "program",
        "scope_list",
        "status",
        "expires_at",
        "last_used_at",
    ]
    list_filter = ["program"]
    search_fields = ["name", "prefix"]
    actions = ["revoke"]
    # secret_hash is never shown: it is neither a form field nor read-only here.
    readonly_fields = ["prefix", "created_by", "created_at", "last_used_at", "revoked_at", "status"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "program", "scopes", "expires_at"]
        return ["name", "prefix", "program", "scopes", "expires_at", *self.readonly_fields[1:]]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [*self.readonly_fields, "program"]  # a key never moves to another program

    @admin.display(description="scopes")
    def scope_list(self, key: ApiKey) -> str:
        return ", ".join(key.scopes)

    @admin.display(description="status")
    def status(self, key: ApiKey) -> str:
        if key.revoked_at is not None:
            return "revoked"
        return "active" if key.is_usable() else "expired"

    def has_add_permission(self, request) -> bool:
        return _is_admin(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return _is_admin(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the audit log refers to keys; revoke instead

    def save_model(self, request, obj, form, change):
        if change:
            services.api_key_update(actor=request.user, key=obj)
            return
        obj._token = services.api_key_store_new(actor=request.user, key=obj)

    def response_add(self, request, obj, post_url_continue=None):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "API key created",
            "key": obj,
            "token": obj._token,
        }
        return TemplateResponse(request, "admin/api/apikey/created.html", context)

    @admin.action(description="Revoke the selected API keys", permissions=["change"])
    def revoke(self, request, queryset):
        revoked = sum(services.api_key_revoke(actor=request.user, key=key) for key in queryset)
        self.message_user(request, f"Revoked {revoked} API key(s).", messages.SUCCESS)
