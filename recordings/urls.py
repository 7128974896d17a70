"""Client recordings pages, under /recordings/."""

from django.urls import URLPattern

app_name = "recordings"

urlpatterns: list[URLPattern] = []
