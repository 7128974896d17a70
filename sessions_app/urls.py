from django.urls import path

from sessions_app import views

app_name = "sessions"

urlpatterns = [
    path("", views.session_list, name="list"),
    path("<int:session_id>/", views.session_detail, name="detail"),
    path("<int:session_id>/tech-check/", views.tech_check, name="tech_check"),
    path("<int:session_id>/trouble/", views.trouble, name="trouble"),
    path("<int:session_id>/makeup/", views.makeup_new, name="makeup"),
    path("makeups/<int:makeup_id>/answer/", views.makeup_answer, name="makeup_answer"),
    path("speedtest", views.speedtest, name="speedtest"),
    path("reminders/", views.reminder_settings, name="reminders"),
    path("calendar/", views.client_calendar, name="calendar"),
    path("ical/<str:token>.ics", views.ical_feed, name="ical"),
    path("hooks/<str:provider>/", views.provider_webhook, name="webhook"),
]
