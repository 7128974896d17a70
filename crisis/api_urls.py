"""The crisis API under /api/v1/ (mounted from iop/urls.py before the API's catch-all)."""

from rest_framework.routers import SimpleRouter

from crisis import api

app_name = "crisis_api"

router = SimpleRouter()
router.register("instruments", api.InstrumentViewSet, basename="instrument")
router.register("check-ins", api.CheckInViewSet, basename="check-in")
router.register("safety-plans", api.SafetyPlanViewSet, basename="safety-plan")
router.register("crisis-events", api.CrisisEventViewSet, basename="crisis-event")
router.register("escalation-policies", api.EscalationPolicyViewSet, basename="escalation-policy")
router.register("on-call-shifts", api.OnCallShiftViewSet, basename="on-call-shift")
router.register("local-resources", api.LocalResourceViewSet, basename="local-resource")

urlpatterns = router.urls
