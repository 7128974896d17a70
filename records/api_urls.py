"""The records API under /api/v1/ (mounted from iop/urls.py before the API's catch-all)."""

from rest_framework.routers import SimpleRouter

from records.api.plans import TreatmentPlanViewSet

app_name = "records_api"

router = SimpleRouter()
router.register("treatment-plans", TreatmentPlanViewSet, basename="treatment-plan")

urlpatterns = router.urls
