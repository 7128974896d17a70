"""Admin: groups, series, sessions, enrolments, attendance (with filters), make-ups, tech checks.

Writes go through the services, called from the form's clean() so a refusal (overlap, full
group, bad rule) shows on the form naming its field and nothing is saved.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from iop.audit.admin_mixins import AuditedAdminMixin
from iop.domain import DomainError
from sessions_app import services
from sessions_app.models import (
    Attendance,
    AttendanceCorrection,
    EngagementAlert,
    Enrolment,
    Group,
    MakeUpRequest,
    ProgramSessionSettings,
    Session,
    SessionSeries,
    TechCheck,
)


class ServiceForm(forms.ModelForm):
    """A model form whose clean() runs a service; the saved object replaces form.instance."""

    request = None  # set by the admin

    service_fields: list[str] = []

    def call(self, data: dict):  # pragma: no cover - overridden
        raise NotImplementedError

    def picked(self, data: dict) -> dict:
        return {name: data.get(name) for name in self.service_fields}

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            self.instance = self.call(data)
        except ValidationError as error:
            found = error.error_dict if hasattr(error, "error_dict") else {None: error.error_list}
            for field, errors in found.items():
                self.add_error(field if field in self.fields else None, errors)
        except DomainError as error:
            self.add_error(None, error.message)
        return data

    def _post_clean(self):
        pass  # the service has validated and saved the instance

    def save(self, commit=True):
        return self.instance

    def save_m2m(self):
        pass  # the service saved what it needed


class ServiceAdmin(admin.ModelAdmin):
    service_form: type[ServiceForm] | None = None  # the add form, when adding is a service

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None and self.service_form is not None:
            kwargs["form"] = self.service_form
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request = request
        return form

    def save_model(self, request, obj, form, change):
        if not isinstance(form, ServiceForm):
            super().save_model(request, obj, form, change)


class EnrolmentInline(admin.TabularInline):
    model = Enrolment
    extra = 0
    fields = readonly_fields = ("client", "starts_on", "ends_on")
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False  # enrolment goes through the capacity check: Enrolments › Add


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ["name", "program", "capacity", "is_active"]
    list_filter = ["program", "is_active"]
    search_fields = ["name"]
    filter_horizontal = ["facilitators"]
    inlines = [EnrolmentInline]


class SeriesForm(ServiceForm):
    class Meta:
        model = SessionSeries
        fields = [
            "group",
            "client",
            "kind",
            "title",
            "facilitator",
            "rule",
            "starts_on",
            "ends_on",
            "start_time",
            "duration_minutes",
            "video_provider",
            "external_url",
        ]

    service_fields = Meta.fields

    def call(self, data):
        return services.series_create(actor=self.request.user, **self.picked(data))


@admin.register(SessionSeries)
class SessionSeriesAdmin(ServiceAdmin):
    service_form = SeriesForm
    list_display = [
        "title",
        "kind",
        "group",
        "client",
        "facilitator",
        "rule",
        "start_time",
        "generated_until",
        "is_active",
    ]
    list_filter = ["program", "kind", "is_active", "video_provider"]
    search_fields = ["title", "group__name"]
    autocomplete_fields = ["client"]
    readonly_fields = ["program", "generated_until", "created_by", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        # Times and rules change from a session's page (this and later occurrences).
        return [f.name for f in SessionSeries._meta.fields if f.name not in ("is_active", "title")]


class SessionForm(ServiceForm):
    class Meta:
        model = Session
        fields = [
            "group",
            "client",
            "kind",
            "title",
            "facilitator",
            "starts_at",
            "ends_at",
            "video_provider",
            "external_url",
        ]

    service_fields = Meta.fields

    def call(self, data):
        return services.session_create(actor=self.request.user, **self.picked(data))


@admin.register(Session)
class SessionAdmin(ServiceAdmin):
    service_form = SessionForm
    list_display = ["title", "kind", "group", "client", "facilitator", "starts_at", "status"]
    list_filter = ["status", "kind", "program", "group", ("starts_at", admin.DateFieldListFilter)]
    search_fields = ["title", "group__name", "client__user__full_name"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["client"]
    actions = ["cancel_sessions"]
    list_select_related = ["group", "client__user", "facilitator"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [f.name for f in Session._meta.fields]

    @admin.action(description="Cancel the selected sessions (clients are told)")
    def cancel_sessions(self, request, queryset):
        done = 0
        for session in queryset:
            try:
                services.session_cancel(
                    actor=request.user, session=session, reason="Cancelled by the clinic."
                )
                done += 1
            except (ValidationError, DomainError) as error:
                self.message_user(
                    request, f"{session}: {getattr(error, 'message', error)}", messages.WARNING
                )
        self.message_user(request, f"Cancelled {done} sessions.")


class EnrolmentForm(ServiceForm):
    class Meta:
        model = Enrolment
        fields = ["group", "client", "starts_on", "ends_on"]

    def call(self, data):
        return services.enrolment_create(actor=self.request.user, **data)


@admin.register(Enrolment)
class EnrolmentAdmin(ServiceAdmin):
    service_form = EnrolmentForm
    list_display = ["client", "group", "starts_on", "ends_on"]
    list_filter = ["group__program", "group"]
    search_fields = ["client__user__full_name", "client__record_number", "group__name"]
    autocomplete_fields = ["client"]
    list_select_related = ["client__user", "group"]

    def get_readonly_fields(self, request, obj=None):
        return ["group", "client", "starts_on"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change and "ends_on" in form.changed_data and obj.ends_on is not None:
            services.enrolment_end(actor=request.user, enrolment=obj, ends_on=obj.ends_on)
        elif not isinstance(form, ServiceForm):
            super().save_model(request, obj, form, change)


class CorrectionInline(admin.TabularInline):
    model = AttendanceCorrection
    extra = 0
    can_delete = False
    readonly_fields = [
        "previous_status",
        "status",
        "previous_minutes",
        "minutes_attended",
        "reason",
        "corrected_by",
        "corrected_at",
    ]

    def has_add_permission(self, request, obj=None):
        return False


class StatusFilter(admin.SimpleListFilter):
    title = "attendance"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        from sessions_app.models import AttendanceStatus

        return AttendanceStatus.choices

    def queryset(self, request, queryset):
        from django.db.models import Q

        if self.value():
            return queryset.filter(
                Q(corrected_status=self.value())
                | Q(corrected_status="", derived_status=self.value())
            )
        return queryset


@admin.register(Attendance)
class AttendanceAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Read-only here: corrections are made, with a reason, on the session's staff page."""

    list_display = [
        "client",
        "session",
        "session_starts_at",
        "status_label",
        "minutes_attended",
        "is_final",
    ]
    list_filter = [
        StatusFilter,
        "is_final",
        "session__group",
        "session__program",
        ("session_starts_at", admin.DateFieldListFilter),
    ]
    search_fields = ["client__user__full_name", "client__record_number", "session__title"]
    date_hierarchy = "session_starts_at"
    list_select_related = ["client__user", "session"]
    inlines = [CorrectionInline]

    @admin.display(description="status")
    def status_label(self, obj):
        return obj.get_status_display()

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Attendance._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MakeUpRequest)
class MakeUpRequestAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = [
        "client",
        "missed_session",
        "target_session",
        "status",
        "requested_at",
        "decided_at",
    ]
    list_filter = ["status"]
    search_fields = ["client__user__full_name"]
    list_select_related = ["client__user", "missed_session", "target_session"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in MakeUpRequest._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(TechCheck)
class TechCheckAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = [
        "client",
        "checked_at",
        "passed",
        "camera",
        "microphone",
        "webrtc",
        "download_mbps",
    ]
    list_filter = ["passed", "camera", "microphone", "webrtc"]
    search_fields = ["client__user__full_name"]
    list_select_related = ["client__user"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in TechCheck._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(EngagementAlert)
class EngagementAlertAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["client", "reason", "session", "raised_at", "acknowledged_at"]
    list_filter = ["reason", ("acknowledged_at", admin.EmptyFieldListFilter)]
    list_select_related = ["client__user", "session"]
    readonly_fields = [
        "client",
        "session",
        "reason",
        "raised_at",
        "acknowledged_by",
        "acknowledged_at",
    ]

    def has_add_permission(self, request):
        return False


@admin.register(ProgramSessionSettings)
class ProgramSessionSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "program",
        "missed_grace_minutes",
        "late_after_minutes",
        "reminder_offsets_minutes",
        "dial_in_number",
    ]
