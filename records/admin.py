"""Admin pages for the clinical record (each write goes through a service)."""

from django.contrib import admin

from records.models import RecordSettings


@admin.register(RecordSettings)
class RecordSettingsAdmin(admin.ModelAdmin):
    list_display = (
        "program",
        "weekly_minimum_hours",
        "weekly_maximum_hours",
        "plan_review_days",
        "note_format",
    )


# Session notes' co-signature flag (admin_notes.py registers its admin).
from records import admin_notes  # noqa: E402, F401
