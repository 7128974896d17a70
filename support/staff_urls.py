"""The support dashboard, under /staff/support/ (behind the staff two-factor gate)."""

from django.urls import path  # noqa: F401 - the routes come with the features

app_name = "support_staff"

urlpatterns: list = []
