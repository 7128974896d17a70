"""The project's URLs plus views that fail, to test the error handlers."""

from django.core.exceptions import PermissionDenied
from django.urls import path
from rest_framework.decorators import api_view

from iop.urls import handler403, handler404, handler500
from iop.urls import urlpatterns as project_urls

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]


@api_view(["GET"])
def api_boom(request):
    return 1 / 0


def page_boom(request):
    return 1 / 0


def page_forbidden(request):
    raise PermissionDenied


urlpatterns = [
    path("api/v1/boom/", api_boom),
    path("boom/", page_boom),
    path("forbidden/", page_forbidden),
    *project_urls,
]
