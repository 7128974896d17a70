"""The recordings API under /api/v1/ (mounted from iop/urls.py before the API's catch-all)."""

from rest_framework.routers import SimpleRouter

from recordings import api

app_name = "recordings_api"

router = SimpleRouter()
router.register(
    "recording-requests", api.RecordingAccessRequestViewSet, basename="recording-request"
)
router.register("recordings", api.RecordingViewSet, basename="recording")

urlpatterns = router.urls
