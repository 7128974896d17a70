"""Support over the API (/api/v1/): help articles (search), announcements and tickets, scoped by
the selectors like the pages."""

from support.api.announcements import AnnouncementViewSet
from support.api.help import HelpArticleViewSet
from support.api.tickets import TicketViewSet

__all__ = [
    "AnnouncementViewSet",
    "HelpArticleViewSet",
    "TicketViewSet",
]
