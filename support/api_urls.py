"""Support resources under /api/v1/ (mounted before iop.api.urls and its catch-all)."""

from rest_framework.routers import SimpleRouter

app_name = "support_api"

router = SimpleRouter()

urlpatterns = router.urls
