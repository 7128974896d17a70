"""The records API under /api/v1/ (mounted from iop/urls.py before the API's catch-all)."""

from rest_framework.routers import SimpleRouter

from records.api.hours import AttendanceHoursViewSet

app_name = "records_api"

router = SimpleRouter()
router.register("attendance-hours", AttendanceHoursViewSet, basename="attendance-hours")

urlpatterns = router.urls
