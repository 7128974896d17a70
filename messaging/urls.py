"""Client messaging pages, under /messages/."""

app_name = "messaging"

urlpatterns: list = []
