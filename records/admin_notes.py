"""The admin's side of session notes: which clinicians' notes need a supervisor's
co-signature (written through note_cosign_requirement_set), and read-only notes' metadata."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from iop.accounts.models import Role, User
from iop.domain import DomainError
from iop.form_errors import apply_errors
from records.models import NoteCosignRequirement
from records.services import note_cosign_requirement_set


class CosignRequirementForm(forms.ModelForm):
    """Adding a row flags a clinician; saved by the service from clean(), so a refusal shows on
    the form and nothing is half-saved. Removing the flag is the admin's delete."""

    request = None  # set by the admin

    class Meta:
        model = NoteCosignRequirement
        fields = ["clinician", "reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["clinician"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = User.objects.filter(role=Role.CLINICIAN, is_active=True)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            row = note_cosign_requirement_set(
                actor=self.request.user,
                clinician=data["clinician"],
                required=True,
                reason=data.get("reason") or "",
            )
        except (ValidationError, DomainError) as error:
            apply_errors(self, error)
            return data
        self.instance = row
        return data

    def _post_clean(self):
        pass  # the service validated and saved the row

    def save(self, commit=True):
        return self.instance

    def save_m2m(self):
        pass


@admin.register(NoteCosignRequirement)
class NoteCosignRequirementAdmin(admin.ModelAdmin):
    """Clinicians whose notes need co-signature (an intern, a new hire)."""

    form = CosignRequirementForm
    list_display = ["clinician", "reason", "set_by", "set_at"]
    readonly_fields = ["set_by", "set_at"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request = request
        return form

    def has_change_permission(self, request, obj=None):
        return False  # remove the flag (delete) and add it again instead

    def save_model(self, request, obj, form, change):
        pass  # saved by the service in the form's clean()

    def delete_model(self, request, obj):
        note_cosign_requirement_set(actor=request.user, clinician=obj.clinician, required=False)

    def delete_queryset(self, request, queryset):
        for row in queryset.select_related("clinician"):
            self.delete_model(request, row)
