"""Everything under /api/: version 1 of the resources, the OpenAPI schema and its docs."""

from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from iop.accounts.api import ClientViewSet
from iop.api.errors import not_found
from iop.api.views import MeView
from iop.consents.api import ClientConsentStatesView, ConsentRecordViewSet

app_name = "api"

router = SimpleRouter()
router.register("clients", ClientViewSet, basename="client")
router.register("consents", ConsentRecordViewSet, basename="consent")

v1 = [
    path("me/", MeView.as_view(), name="me"),
    path("clients/<int:id>/consents/", ClientConsentStatesView.as_view(), name="client-consents"),
    *router.urls,
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view loads its start-up script from this URL too: no inline script, no CDN.
    # Swagger UI's page carries one <style> block: the only page that allows inline styles.
    path(
        "docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api:schema")
        ),
        name="docs",
    ),
    # Anything else under /api/ is a JSON 404, not the portal's HTML page: any method, any
    # character (a newline too: `.` and `$` would let "%0A" fall through to the HTML 404).
    re_path(r"^[\s\S]*\Z", not_found),
]
