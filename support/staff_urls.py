"""The support dashboard, under /staff/support/ (behind the staff two-factor gate)."""

from django.urls import path

from support.views import help

app_name = "support_staff"

urlpatterns = [
    path("help/", help.staff_articles, name="help"),
]
