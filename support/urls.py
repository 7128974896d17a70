"""The client's support pages, under /support/."""

from django.urls import path  # noqa: F401 - the routes come with the features

app_name = "support"

urlpatterns: list = []
