"""The records API under /api/v1/ (mounted from iop/urls.py before the API's catch-all)."""

from rest_framework.routers import SimpleRouter

app_name = "records_api"

router = SimpleRouter()

urlpatterns = router.urls
