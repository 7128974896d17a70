"""Staff messaging pages, under /staff/messaging/."""

app_name = "messaging_staff"

urlpatterns: list = []
