"""Admin: escalation policies and steps, the on-call rota (times in the shift's zone), and the
local resources directory. Crisis records themselves are worked from the staff pages."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.contrib import admin
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils import timezone

from crisis.models import EscalationPolicy, EscalationStep, LocalResource, OnCallShift, StepChannel
from crisis.services import escalation_policy_save, on_call_shift_delete, on_call_shift_save
from iop.admin_labels import LabelledTabularInline
from iop.domain import DomainError
from iop.form_errors import apply_errors, error_message


class EscalationStepForm(forms.ModelForm):
    channels = forms.MultipleChoiceField(
        choices=StepChannel.choices, widget=forms.CheckboxSelectMultiple
    )
    wait_minutes = forms.IntegerField(
        min_value=0,
        max_value=1440,
        error_messages={"min_value": "The wait cannot be negative."},
        help_text="Minutes to wait for an acknowledgement before the next step.",
    )

    class Meta:
        model = EscalationStep
        fields = ["position", "target", "user", "channels", "wait_minutes"]

    def clean(self):
        data = super().clean()
        target, user = data.get("target"), data.get("user")
        if target == "user" and user is None:
            self.add_error("user", "Name the person this step alerts.")
        if target and target != "user" and user is not None:
            self.add_error("user", "Only a 'named person' step names a person.")
        return data


STEP_FIELDS = ("target", "user", "channels", "wait_minutes")


class EscalationPolicyForm(forms.ModelForm):
    class Meta:
        model = EscalationPolicy
        fields = ["name", "program", "is_default", "repeat_count", "description"]

    def _post_clean(self):
        super()._post_clean()
        # The admin validates its inline formsets whatever this form says; the step formset
        # saves the policy only when this form is valid too.
        self.instance._admin_form_valid = not self.errors


class StepFormSet(BaseInlineFormSet):
    """Saves the policy and its steps through escalation_policy_save, so its rules (one default
    per program, who may manage a policy, who a step may name) are the service's."""

    request: HttpRequest | None = None  # set by the inline

    def clean(self):
        super().clean()
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if not kept:
            raise ValidationError("A policy needs at least one step.")
        positions = [f.cleaned_data.get("position") for f in kept]
        if len(set(positions)) != len(positions):
            raise ValidationError("Each step needs its own position.")
        if any(self.errors) or not getattr(self.instance, "_admin_form_valid", False):
            return
        kept.sort(key=lambda f: f.cleaned_data["position"])
        self._save_through_service(kept)

    def _save_through_service(self, kept: list[forms.Form]) -> None:
        policy = self.instance
        try:
            escalation_policy_save(
                # Without a request nobody is signed in, and the service refuses.
                actor=self.request.user if self.request is not None else None,
                policy=policy,
                name=policy.name,
                program=policy.program,
                is_default=policy.is_default,
                repeat_count=policy.repeat_count,
                description=policy.description,
                steps=[{name: f.cleaned_data[name] for name in STEP_FIELDS} for f in kept],
            )
        except ValidationError as error:
            found = (
                error.error_dict
                if hasattr(error, "error_dict")
                else {NON_FIELD_ERRORS: error.error_list}
            )
            general = []
            for name, errors in found.items():
                parts = name.split(".")
                if len(parts) == 3 and parts[0] == "steps" and parts[2] in kept[0].fields:
                    kept[int(parts[1])].add_error(parts[2], errors)
                else:
                    general.extend(errors)
            if general:
                raise ValidationError(general) from None
        except DomainError as error:
            raise ValidationError(error_message(error)) from None

    def save(self, commit=True):
        # escalation_policy_save has saved the steps; the admin's change message reads these.
        self.new_objects, self.changed_objects, self.deleted_objects = [], [], []
        return []


class EscalationStepInline(LabelledTabularInline):
    model = EscalationStep
    form = EscalationStepForm
    formset = StepFormSet
    extra = 0
    min_num = 1
    validate_min = True
    ordering = ["position"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.request = request
        return formset


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(admin.ModelAdmin):
    form = EscalationPolicyForm
    list_display = ["name", "program", "is_default", "repeat_count", "updated_at"]
    list_filter = ["program", "is_default"]
    inlines = [EscalationStepInline]

    def save_model(self, request, obj, form, change):
        pass  # saved with its steps by escalation_policy_save (StepFormSet.clean)


class OnCallShiftForm(forms.ModelForm):
    """Start and end are typed in the shift's own time zone (the rota's wall clock); the shift
    is saved by on_call_shift_save, which refuses overlaps."""

    request: HttpRequest | None = None  # set by the admin

    starts_at = forms.DateTimeField(help_text="In the shift's time zone, e.g. 2026-03-08 18:00")
    ends_at = forms.DateTimeField(help_text="In the shift's time zone.")

    class Meta:
        model = OnCallShift
        fields = ["program", "user", "time_zone", "starts_at", "ends_at", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        shift = self.instance
        if shift.pk and shift.time_zone:
            zone = zoneinfo.ZoneInfo(shift.time_zone)
            self.initial["starts_at"] = shift.starts_at.astimezone(zone).replace(tzinfo=None)
            self.initial["ends_at"] = shift.ends_at.astimezone(zone).replace(tzinfo=None)

    def clean(self):
        data = super().clean()
        name = data.get("time_zone")
        if not name or "starts_at" not in data or "ends_at" not in data:
            return data
        try:
            zone = zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            self.add_error("time_zone", f"{name!r} is not a time zone name.")
            return data
        for field in ("starts_at", "ends_at"):
            wall = (
                timezone.make_naive(data[field]) if timezone.is_aware(data[field]) else data[field]
            )
            data[field] = wall.replace(tzinfo=zone)
        if self.errors:
            return data
        try:
            self.instance = on_call_shift_save(
                actor=self.request.user if self.request is not None else None,
                program=data["program"],
                user=data["user"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                time_zone=name,
                note=data.get("note", ""),
                shift=self.instance if self.instance.pk else None,
            )
        except (ValidationError, DomainError) as error:
            apply_errors(self, error)
        return data

    def _post_clean(self):
        pass  # on_call_shift_save has validated and saved the shift

    def save(self, commit=True):
        return self.instance

    def save_m2m(self):
        pass


@admin.register(OnCallShift)
class OnCallShiftAdmin(admin.ModelAdmin):
    form = OnCallShiftForm
    list_display = ["user", "program", "starts_at", "ends_at", "time_zone"]
    list_filter = ["program"]
    date_hierarchy = "starts_at"

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request = request
        return form

    def save_model(self, request, obj, form, change):
        pass  # saved by on_call_shift_save (OnCallShiftForm.clean)

    def delete_model(self, request, obj):
        on_call_shift_delete(actor=request.user, shift=obj)

    def delete_queryset(self, request, queryset):
        for shift in queryset.select_related("program", "user"):
            on_call_shift_delete(actor=request.user, shift=shift)


@admin.register(LocalResource)
class LocalResourceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region", "phone", "open_24_7", "is_active"]
    list_filter = ["kind", "region", "is_active"]
    search_fields = ["name", "region", "address"]
