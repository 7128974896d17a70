"""The project's URLs plus views that fail, to test the error handlers."""

from django.core.exceptions import PermissionDenied
from django.db import OperationalError
from django.urls import path
from psycopg_pool import PoolTimeout
from rest_framework.decorators import api_view

from iop.urls import handler403, handler404, handler500
from iop.urls import urlpatterns as project_urls

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]


@api_view(["GET"])
def api_boom(request):
    return 1 / 0


def page_boom(request):
    return 1 / 0


def _pool_timeout() -> None:
    """As Django raises it when the pool gives no connection in time (wrap_database_errors)."""
    try:
        raise PoolTimeout("couldn't get a connection after 10.00 sec")
    except PoolTimeout as exc:
        raise OperationalError(*exc.args) from exc


@api_view(["GET"])
def api_busy(request):
    _pool_timeout()


def page_busy(request):
    _pool_timeout()


def page_forbidden(request):
    raise PermissionDenied


urlpatterns = [
    path("api/v1/boom/", api_boom),
    path("boom/", page_boom),
    path("api/v1/busy/", api_busy),
    path("busy/", page_busy),
    path("forbidden/", page_forbidden),
    *project_urls,
]
