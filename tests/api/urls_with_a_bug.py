"""The project's URLs plus two views that fail, to test handler500."""

from django.urls import path
from rest_framework.decorators import api_view

from iop.urls import handler500
from iop.urls import urlpatterns as project_urls

__all__ = ["handler500", "urlpatterns"]


@api_view(["GET"])
def api_boom(request):
    return 1 / 0


def page_boom(request):
    return 1 / 0


urlpatterns = [path("api/v1/boom/", api_boom), path("boom/", page_boom), *project_urls]
