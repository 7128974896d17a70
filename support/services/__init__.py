"""Every write of tech support. One package, a room per family:

tickets.py    ticket_open (or join the open ticket about the same session), ticket_reply (any
              channel: portal, chat, agent, API; client message ids de-duplicated),
              ticket_status_set, ticket_assign, ticket_priority_set, ticket_escalate,
              ticket_macro_apply, ticket_rate
trouble.py    ticket_open_for_trouble: "I can't connect" on a session page (registered with
              sessions_app's trouble report)
ticking.py    sla_tick (SLA warnings and breaches, tier-1 → tier-2 escalation), ticket_close_tick
chat.py       live chat: chat_start (or say more in the open chat), chat_say, chat_seen,
              chat_end, chat_pick, chat_handoff (to tier 2), chat_unanswered_tick (a chat
              nobody picked up becomes a ticket)
setup.py      support_calendar_save, business_hours_save/_delete, closure_save/_delete,
              sla_policy_save, macro_save (administrators)

Shared by the services above, not services themselves: clock.py (moving a ticket's SLA clock:
stop, change, start), notices.py (who is told, through the outbox and the live feed),
access.py (who may do what). A chat opens its ticket with
`ticket_open(source=TicketSource.CHAT, channel="chat")` and stores its transcript with
`ticket_reply(channel="chat", client_message_id=...)`.


help.py            help articles (rendered and sanitised on save), guides, "Did this help?"
                   votes, read receipts
announcements.py   announcements, dismissing a banner, choosing to hear about updates, and the
                   notice tick that puts due "tell people" messages in the outbox
onboarding.py      the getting-started checklist's completion
"""

from support.services.announcements import (
    announcement_delete,
    announcement_dismiss,
    announcement_notice_tick,
    announcement_save,
    update_notices_choose,
)
from support.services.chat import (
    chat_end,
    chat_handoff,
    chat_pick,
    chat_say,
    chat_seen,
    chat_start,
    chat_unanswered_tick,
)
from support.services.help import (
    article_read_record,
    guide_save,
    help_article_delete,
    help_article_save,
    help_vote_record,
)
from support.services.onboarding import onboarding_complete
from support.services.setup import (
    business_hours_delete,
    business_hours_save,
    closure_delete,
    closure_save,
    macro_save,
    sla_policy_save,
    support_calendar_save,
)
from support.services.tickets import (
    macro_render,
    priority_for,
    ticket_assign,
    ticket_escalate,
    ticket_macro_apply,
    ticket_open,
    ticket_priority_set,
    ticket_rate,
    ticket_reply,
    ticket_status_set,
)
from support.services.ticking import sla_tick, ticket_close_tick
from support.services.trouble import ticket_open_for_trouble

__all__ = [
    "announcement_delete",
    "announcement_dismiss",
    "announcement_notice_tick",
    "announcement_save",
    "article_read_record",
    "business_hours_delete",
    "business_hours_save",
    "chat_end",
    "chat_handoff",
    "chat_pick",
    "chat_say",
    "chat_seen",
    "chat_start",
    "chat_unanswered_tick",
    "closure_delete",
    "closure_save",
    "guide_save",
    "help_article_delete",
    "help_article_save",
    "help_vote_record",
    "macro_render",
    "macro_save",
    "onboarding_complete",
    "priority_for",
    "sla_policy_save",
    "sla_tick",
    "support_calendar_save",
    "ticket_assign",
    "ticket_close_tick",
    "ticket_escalate",
    "ticket_macro_apply",
    "ticket_open",
    "ticket_open_for_trouble",
    "ticket_priority_set",
    "ticket_rate",
    "ticket_reply",
    "ticket_status_set",
    "update_notices_choose",
]
