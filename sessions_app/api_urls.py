"""Sessions resources under /api/v1/ (mounted before iop.api.urls and its catch-all)."""

from rest_framework.routers import SimpleRouter

from sessions_app.api import (
    AttendanceViewSet,
    EnrolmentViewSet,
    GroupViewSet,
    MakeUpViewSet,
    SeriesViewSet,
    SessionViewSet,
    TechCheckViewSet,
)

app_name = "sessions_api"

router = SimpleRouter()
router.register("groups", GroupViewSet, basename="group")
router.register("series", SeriesViewSet, basename="series")
router.register("sessions", SessionViewSet, basename="session")
router.register("enrolments", EnrolmentViewSet, basename="enrolment")
router.register("attendance", AttendanceViewSet, basename="attendance")
router.register("tech-checks", TechCheckViewSet, basename="tech-check")
router.register("makeup-requests", MakeUpViewSet, basename="makeup-request")

urlpatterns = router.urls
