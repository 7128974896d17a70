"""Support resources under /api/v1/ (mounted before iop.api.urls and its catch-all)."""

from rest_framework.routers import SimpleRouter

from support import api

app_name = "support_api"

router = SimpleRouter()
router.register("tickets", api.TicketViewSet, basename="ticket")
router.register("help/articles", api.HelpArticleViewSet, basename="help-article")
router.register("announcements", api.AnnouncementViewSet, basename="announcement")

urlpatterns = router.urls
