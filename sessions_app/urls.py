"""Client pages, under /sessions/."""

from django.urls import path

from sessions_app.views import portal

app_name = "sessions"

urlpatterns = [
    path("", portal.session_list, name="list"),
    path("<int:session_id>/", portal.session_detail, name="detail"),
    path("<int:session_id>/tech-check/", portal.tech_check, name="tech_check"),
    path("<int:session_id>/join/", portal.join, name="join"),
    path("<int:session_id>/trouble/", portal.trouble, name="trouble"),
    path("<int:session_id>/makeup/", portal.makeup_new, name="makeup"),
    path("makeups/<int:makeup_id>/answer/", portal.makeup_answer, name="makeup_answer"),
    path("speedtest", portal.speedtest, name="speedtest"),
    path("reminders/", portal.reminder_settings, name="reminders"),
    path("calendar/", portal.client_calendar, name="calendar"),
    path("ical/<str:token>.ics", portal.ical_feed, name="ical"),
]
