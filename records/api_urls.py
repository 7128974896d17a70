"""The records API under /api/v1/ (mounted from iop/urls.py before the API's catch-all)."""

from rest_framework.routers import SimpleRouter

from records.api.notes import SessionNoteViewSet

app_name = "records_api"

router = SimpleRouter()
router.register("session-notes", SessionNoteViewSet, basename="session-note")

urlpatterns = router.urls
