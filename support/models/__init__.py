"""Tech support's data, one family per module (help articles, tickets and SLA clocks, live
chat, announcements)."""

from support.models.sla import (
    BusinessHours,
    Closure,
    SlaEvent,
    SlaPolicy,
    SupportCalendar,
    TicketPriority,
)
from support.models.tickets import (
    ACTIVE,
    CLOSE_AFTER,
    DONE,
    PAUSED,
    RUNNING,
    EntryChannel,
    EntryKind,
    Macro,
    Ticket,
    TicketCategory,
    TicketEntry,
    TicketRating,
    TicketSource,
    TicketStatus,
)

__all__ = [
    "ACTIVE",
    "CLOSE_AFTER",
    "DONE",
    "PAUSED",
    "RUNNING",
    "BusinessHours",
    "Closure",
    "EntryChannel",
    "EntryKind",
    "Macro",
    "SlaEvent",
    "SlaPolicy",
    "SupportCalendar",
    "Ticket",
    "TicketCategory",
    "TicketEntry",
    "TicketPriority",
    "TicketRating",
    "TicketSource",
    "TicketStatus",
]
