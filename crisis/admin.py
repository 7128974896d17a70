"""Admin: escalation policies and steps, the on-call rota (times in the shift's zone), and the
local resources directory. Crisis records themselves are worked from the staff pages."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils import timezone

from crisis.models import EscalationPolicy, EscalationStep, LocalResource, OnCallShift, StepChannel
from crisis.services.rota import validate_shift


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


class StepFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if not kept:
            raise ValidationError("A policy needs at least one step.")
        positions = [f.cleaned_data.get("position") for f in kept]
        if len(set(positions)) != len(positions):
            raise ValidationError("Each step needs its own position.")


class EscalationStepInline(admin.TabularInline):
    model = EscalationStep
    form = EscalationStepForm
    formset = StepFormSet
    extra = 0
    min_num = 1
    validate_min = True
    ordering = ["position"]


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "program", "is_default", "repeat_count", "updated_at"]
    list_filter = ["program", "is_default"]
    inlines = [EscalationStepInline]

    def save_model(self, request, obj, form, change):
        if obj.is_default:
            # One default per program; making this one the default retires the previous one.
            EscalationPolicy.objects.filter(program=obj.program, is_default=True).exclude(
                pk=obj.pk
            ).update(is_default=False)
        super().save_model(request, obj, form, change)


class OnCallShiftForm(forms.ModelForm):
    """Start and end are typed in the shift's own time zone (the rota's wall clock)."""

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
        if data.get("program") and data.get("user"):
            try:
                validate_shift(
                    program=data["program"],
                    user=data["user"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    time_zone=name,
                    exclude_id=self.instance.pk,
                )
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    self.add_error(field if field in self.fields else None, messages)
        return data


@admin.register(OnCallShift)
class OnCallShiftAdmin(admin.ModelAdmin):
    form = OnCallShiftForm
    list_display = ["user", "program", "starts_at", "ends_at", "time_zone"]
    list_filter = ["program"]
    date_hierarchy = "starts_at"


@admin.register(LocalResource)
class LocalResourceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region", "phone", "open_24_7", "is_active"]
    list_filter = ["kind", "region", "is_active"]
    search_fields = ["name", "region", "address"]
