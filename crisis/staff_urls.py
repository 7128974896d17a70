"""Staff crisis pages, under /staff/crisis/ (behind the staff two-factor gate)."""

from django.urls import path

from crisis.views import staff

app_name = "crisis_staff"

urlpatterns = [
    path("", staff.queue, name="queue"),
    path("<int:event_id>/", staff.event_detail, name="event"),
    path("<int:event_id>/acknowledge/", staff.acknowledge, name="acknowledge"),
    path("<int:event_id>/resolve/", staff.resolve, name="resolve"),
    path("<int:event_id>/note/", staff.note, name="note"),
    path("<int:event_id>/contacts/<int:contact_id>/notify/", staff.contact_notify, name="contact"),
    path("clients/<int:client_id>/", staff.client_crisis, name="client"),
    path("clients/<int:client_id>/schedule/", staff.client_schedule, name="client_schedule"),
    path("clients/<int:client_id>/open/", staff.client_open, name="client_open"),
    path(
        "clients/<int:client_id>/safety-plan/",
        staff.client_safety_plan_edit,
        name="client_plan_edit",
    ),
    path(
        "clients/<int:client_id>/safety-plan/<int:version>/",
        staff.client_safety_plan_version,
        name="client_plan_version",
    ),
    path("risk/", staff.risk, name="risk"),
    path("open/", staff.open_crises, name="open_crises"),
    path("follow-ups/", staff.follow_ups, name="follow_ups"),
    path(
        "follow-ups/<int:follow_up_id>/done/", staff.follow_up_complete, name="follow_up_complete"
    ),
    path("overrides/", staff.overrides, name="overrides"),
    path("on-call/", staff.on_call, name="on_call"),
]
