"""The client's support pages, under /support/. The help centre is open to everyone."""

from django.urls import path

from support.views import announcements, help

app_name = "support"

urlpatterns = [
    # Help centre and guides (support/views/help.py)
    path("help/", help.help_centre, name="help"),
    path("help/articles/<slug:slug>/", help.article, name="article"),
    path("help/articles/<slug:slug>/vote/", help.vote, name="vote"),
    path("help/guides/<slug:slug>/", help.guide, name="guide"),
    path("help/trouble/", help.trouble_help, name="trouble_help"),
    # Announcements (support/views/announcements.py)
    path("updates/", announcements.updates, name="updates"),
    path("announcements/<int:announcement_id>/dismiss/", announcements.dismiss, name="dismiss"),
]
