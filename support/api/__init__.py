"""The support API: help articles (search) and announcements; scoped by the selectors like the
pages."""

from support.api.announcements import AnnouncementViewSet
from support.api.help import HelpArticleViewSet

__all__ = ["AnnouncementViewSet", "HelpArticleViewSet"]
