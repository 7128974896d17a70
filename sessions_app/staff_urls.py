"""Staff sessions pages, under /staff/sessions/ (behind the staff two-factor gate)."""

from django.urls import path

from sessions_app.views import staff

app_name = "sessions_staff"

urlpatterns = [
    path("", staff.session_list, name="list"),
    path("<int:session_id>/", staff.session_detail, name="detail"),
    path("<int:session_id>/cancel/", staff.session_cancel, name="cancel"),
    path("<int:session_id>/move/", staff.session_move, name="move"),
    path("<int:session_id>/chat/<int:client_id>/", staff.chat_reply, name="chat"),
    path("<int:session_id>/offer/<int:client_id>/", staff.makeup_offer, name="offer"),
    path(
        "<int:session_id>/attendance/<int:client_id>/correct/",
        staff.attendance_new,
        name="correct_new",
    ),
    path("attendance/<int:attendance_id>/correct/", staff.attendance_correct, name="correct"),
    path("makeups/", staff.makeup_list, name="makeups"),
    path("makeups/<int:makeup_id>/decide/", staff.makeup_decide, name="makeup_decide"),
    path("clients/<int:client_id>/tech-checks/", staff.client_tech_checks, name="tech_checks"),
    path("alerts/<int:alert_id>/acknowledge/", staff.alert_acknowledge, name="alert_ack"),
    path("calendar/", staff.staff_calendar, name="calendar"),
]
