"""The records API under /api/v1/ (mounted from iop/urls.py before the API's catch-all)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from records.api.exports import RecordExportView
from records.api.hours import AttendanceHoursViewSet
from records.api.notes import SessionNoteViewSet
from records.api.plans import TreatmentPlanViewSet

app_name = "records_api"

router = SimpleRouter()
router.register("treatment-plans", TreatmentPlanViewSet, basename="treatment-plan")
router.register("attendance-hours", AttendanceHoursViewSet, basename="attendance-hours")
router.register("session-notes", SessionNoteViewSet, basename="session-note")

urlpatterns = [
    path(
        "record-exports/<int:client_id>/",
        RecordExportView.as_view(),
        name="record-export-detail",
    ),
    *router.urls,
]
