"""Mounted at /staff/sessions/ (namespace staff:sessions), behind the staff two-factor gate."""

from django.urls import path

from sessions_app import staff_views

app_name = "sessions"

urlpatterns = [
    path("", staff_views.session_list, name="list"),
    path("<int:session_id>/", staff_views.session_detail, name="detail"),
    path("<int:session_id>/cancel/", staff_views.session_cancel, name="cancel"),
    path("<int:session_id>/move/", staff_views.session_move, name="move"),
    path("<int:session_id>/chat/<int:client_id>/", staff_views.chat_reply, name="chat"),
    path("<int:session_id>/offer/<int:client_id>/", staff_views.makeup_offer, name="offer"),
    path(
        "<int:session_id>/attendance/<int:client_id>/correct/",
        staff_views.attendance_new,
        name="correct_new",
    ),
    path("attendance/<int:attendance_id>/correct/", staff_views.attendance_correct, name="correct"),
    path("makeups/", staff_views.makeup_list, name="makeups"),
    path("makeups/<int:makeup_id>/decide/", staff_views.makeup_decide, name="makeup_decide"),
    path(
        "clients/<int:client_id>/tech-checks/", staff_views.client_tech_checks, name="tech_checks"
    ),
    path("alerts/<int:alert_id>/acknowledge/", staff_views.alert_acknowledge, name="alert_ack"),
    path("calendar/", staff_views.staff_calendar, name="calendar"),
]
