"""The messaging API under /api/v1/ (mounted from iop/urls.py before the API's catch-all)."""

from rest_framework.routers import SimpleRouter

from messaging.api.threads import MessageThreadViewSet, MessageViewSet

app_name = "messaging_api"

router = SimpleRouter()
router.register("message-threads", MessageThreadViewSet, basename="message-thread")
router.register("messages", MessageViewSet, basename="message")

urlpatterns = router.urls
