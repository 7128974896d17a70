"""Support resources under /api/v1/ (mounted before iop.api.urls and its catch-all)."""

from rest_framework.routers import SimpleRouter

from support import api

app_name = "support_api"

router = SimpleRouter()
router.register("tickets", api.TicketViewSet, basename="ticket")

urlpatterns = router.urls
