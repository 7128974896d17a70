from django.contrib import admin

from sessions_app.models import Enrolment, Group


class EnrolmentInline(admin.TabularInline):
    model = Enrolment
    extra = 0
    autocomplete_fields = ["client"]


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ["name", "program", "capacity", "is_active"]
    list_filter = ["program", "is_active"]
    search_fields = ["name"]
    filter_horizontal = ["facilitators"]
    inlines = [EnrolmentInline]
