"""The messaging admin (writes through services)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from iop.domain import DomainError
from iop.form_errors import apply_errors
from messaging.models import PeerSpace
from messaging.services import peer_space_enable, peer_space_update


# -- group peer spaces --------------------------------------------------------------------------
class PeerSpaceForm(forms.ModelForm):
    """Turning a group's space on, its guidelines and its report time limit: saved by the
    services from clean(), so a refusal shows on the form and nothing is half-saved."""

    request = None  # set by the admin

    class Meta:
        model = PeerSpace
        fields = ["group", "is_enabled", "guidelines", "report_review_minutes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["group"].disabled = True

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            if self.instance.pk is None:
                space = peer_space_enable(
                    actor=self.request.user,
                    group=data["group"],
                    guidelines=data["guidelines"],
                    report_review_minutes=data["report_review_minutes"],
                )
                if not data["is_enabled"]:
                    space = peer_space_update(
                        actor=self.request.user, space=space, is_enabled=False
                    )
            else:
                space = peer_space_update(
                    actor=self.request.user,
                    space=PeerSpace.objects.get(pk=self.instance.pk),
                    guidelines=data["guidelines"],
                    report_review_minutes=data["report_review_minutes"],
                    is_enabled=data["is_enabled"],
                )
        except (ValidationError, DomainError) as error:
            apply_errors(self, error)
            return data
        self.instance = space
        return data

    def _post_clean(self):
        pass  # the service validated and saved the space

    def save(self, commit=True):
        return self.instance

    def save_m2m(self):
        pass


@admin.register(PeerSpace)
class PeerSpaceAdmin(admin.ModelAdmin):
    form = PeerSpaceForm
    list_display = ["group", "program", "is_enabled", "guidelines_version", "report_review_minutes"]
    list_filter = ["program", "is_enabled"]
    readonly_fields = ["guidelines_version"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request = request
        return form

    def save_model(self, request, obj, form, change):
        pass  # saved by the services in the form's clean()

    def has_delete_permission(self, request, obj=None):
        return False  # switch a space off instead: its posts stay
