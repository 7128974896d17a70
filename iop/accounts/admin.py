from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from iop.accounts import services
from iop.accounts.models import (
    CareTeamMember,
    ClientProfile,
    EmergencyContact,
    Program,
    StaffProfile,
    User,
)
from iop.admin_labels import LabelledTabularInline
from iop.audit.admin_mixins import AuditedAdminMixin


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Person"),
            {
                "fields": (
                    "full_name",
                    "preferred_name",
                    "phone",
                    "phone_verified_at",
                    "time_zone",
                    "role",
                )
            },
        ),
        (_("Access"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "role", "time_zone", "password1", "password2"),
            },
        ),
    )
    # A number is only ever set by the person proving they hold it (profile, texted code).
    readonly_fields = ["phone", "phone_verified_at", "last_login", "date_joined"]

    def save_model(self, request, obj, form, change):
        deactivating = change and "is_active" in form.changed_data and not obj.is_active
        if deactivating:
            obj.is_active = True  # let the service make the change, end sessions and audit it
            services.user_save(actor=request.user, user=obj)
            services.user_deactivate(actor=request.user, user=obj)
            return
        services.user_save(actor=request.user, user=obj)


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["name", "time_zone", "is_active"]
    search_fields = ["name"]


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "program", "title", "is_on_call"]
    list_filter = ["program", "is_on_call"]
    autocomplete_fields = ["user"]

    def save_model(self, request, obj, form, change):
        services.staff_profile_save(actor=request.user, profile=obj)


class CareTeamInline(LabelledTabularInline):
    model = CareTeamMember
    extra = 0
    autocomplete_fields = ["clinician"]


class EmergencyContactInline(LabelledTabularInline):
    model = EmergencyContact
    extra = 0
    fields = ["priority", "name", "relationship", "phone", "email"]


@admin.register(ClientProfile)
class ClientProfileAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audit_client_field = ""
    list_display = ["user", "record_number", "program", "admitted_on", "discharged_on"]
    list_filter = ["program"]
    search_fields = ["user__full_name", "user__email", "record_number"]
    list_select_related = ["user", "program"]
    autocomplete_fields = ["user"]
    inlines = [CareTeamInline, EmergencyContactInline]

    def save_model(self, request, obj, form, change):
        services.client_profile_save(actor=request.user, profile=obj)

    def save_formset(self, request, form, formset, change):
        if formset.model is not CareTeamMember:
            super().save_formset(request, form, formset, change)
            return
        members = formset.save(commit=False)
        for member in formset.deleted_objects:
            services.care_team_remove(actor=request.user, member=member)
        for member in members:
            services.care_team_save(actor=request.user, member=member)
