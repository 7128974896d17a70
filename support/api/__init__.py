"""Support over the API (/api/v1/): help articles, tickets and announcements."""

from support.api.tickets import TicketViewSet

__all__ = ["TicketViewSet"]
