"""Admin for the ticket desk's set-up: support calendars, their business hours and closures,
SLA policies and canned replies. Every save and delete goes through a service (its rules:
real time zones and holiday countries, no overlapping windows, one active policy per priority,
known placeholders), and a change that moves deadlines retimes the open tickets at once.
Tickets themselves are worked on the staff pages (/staff/support/)."""

from __future__ import annotations

from django.contrib import admin

from iop.service_admin import ServiceAdmin, ServiceForm
from support.models import BusinessHours, Closure, Macro, SlaPolicy, SupportCalendar
from support.services import (
    business_hours_delete,
    business_hours_save,
    closure_delete,
    closure_save,
    macro_save,
    sla_policy_save,
    support_calendar_save,
)


class CalendarForm(ServiceForm):
    class Meta:
        model = SupportCalendar
        fields = ["name", "time_zone", "holiday_country", "holiday_subdivision"]

    def call(self, data, existing):
        return support_calendar_save(actor=self.actor, calendar=existing, **data)


@admin.register(SupportCalendar)
class SupportCalendarAdmin(ServiceAdmin):
    """Hours and closures are listed here and edited on their own pages (Business hours,
    Closures), where each change is checked and retimes the open tickets."""

    form = CalendarForm
    list_display = ["name", "time_zone", "holiday_country", "holiday_subdivision", "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        return ["weekly_hours", "closed_days"] if obj is not None else []

    @admin.display(description="Business hours")
    def weekly_hours(self, obj: SupportCalendar) -> str:
        return "; ".join(str(row) for row in obj.hours.all()) or "None: the clock never runs."

    @admin.display(description="Closures")
    def closed_days(self, obj: SupportCalendar) -> str:
        return "; ".join(str(row) for row in obj.closures.all()) or "None."

    def has_delete_permission(self, request, obj=None):
        return False  # policies and tickets point at it


class HoursForm(ServiceForm):
    class Meta:
        model = BusinessHours
        fields = ["calendar", "weekday", "opens", "closes"]

    def call(self, data, existing):
        return business_hours_save(actor=self.actor, hours=existing, **data)


@admin.register(BusinessHours)
class BusinessHoursAdmin(ServiceAdmin):
    form = HoursForm
    list_display = ["calendar", "weekday", "opens", "closes"]
    list_filter = ["calendar", "weekday"]

    def delete_model(self, request, obj):
        business_hours_delete(actor=request.user, hours=obj)

    def delete_queryset(self, request, queryset):
        for row in queryset.select_related("calendar"):
            business_hours_delete(actor=request.user, hours=row)


class ClosureForm(ServiceForm):
    class Meta:
        model = Closure
        fields = ["calendar", "name", "starts_on", "ends_on"]

    def call(self, data, existing):
        return closure_save(actor=self.actor, closure=existing, **data)


@admin.register(Closure)
class ClosureAdmin(ServiceAdmin):
    form = ClosureForm
    list_display = ["name", "calendar", "starts_on", "ends_on"]
    list_filter = ["calendar"]
    date_hierarchy = "starts_on"

    def delete_model(self, request, obj):
        closure_delete(actor=request.user, closure=obj)

    def delete_queryset(self, request, queryset):
        for row in queryset.select_related("calendar"):
            closure_delete(actor=request.user, closure=row)


class PolicyForm(ServiceForm):
    class Meta:
        model = SlaPolicy
        fields = [
            "name",
            "priority",
            "calendar",
            "first_response_minutes",
            "next_reply_minutes",
            "resolution_minutes",
            "is_active",
        ]

    def call(self, data, existing):
        return sla_policy_save(actor=self.actor, policy=existing, **data)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(ServiceAdmin):
    form = PolicyForm
    list_display = [
        "name",
        "priority",
        "calendar",
        "first_response_minutes",
        "next_reply_minutes",
        "resolution_minutes",
        "is_active",
    ]
    list_filter = ["priority", "is_active", "calendar"]

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: tickets keep the name of the policy they ran under


class MacroForm(ServiceForm):
    class Meta:
        model = Macro
        fields = ["name", "body", "status", "is_active"]

    def call(self, data, existing):
        return macro_save(actor=self.actor, macro=existing, **data)


@admin.register(Macro)
class MacroAdmin(ServiceAdmin):
    form = MacroForm
    list_display = ["name", "status", "is_active", "updated_at"]
    list_filter = ["is_active", "status"]
    search_fields = ["name", "body"]

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead
