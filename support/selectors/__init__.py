"""Every read of tech support, always given the viewer. Rooms:

tickets.py   who sees which tickets, the queue, a ticket's conversation and tech checks, what
             session pages show of tickets
sla.py       calendars as schedules, the policy for a priority, the support metrics

Who sees what: support agents see tickets and the tech data on them, never clinical records
(DESIGN invariant 5); a client sees their own tickets and the published help for clients.
"""

from support.selectors.sla import (
    SupportMetrics,
    may_see_metrics,
    policies_of,
    policy_for,
    schedule_of,
    support_metrics_for,
)
from support.selectors.tickets import (
    AGENT_ROLES,
    CATEGORY_LABELS,
    TIER_ROLES,
    QueueFilter,
    SessionReport,
    agents_of_tier,
    assignable_agents,
    catch_up_for,
    is_agent,
    least_busy_agent,
    macro_get,
    macros_active,
    queue_counts_for,
    queue_page_for,
    rating_of,
    requester_label,
    sees_internal,
    session_of_requester,
    session_reports_for,
    session_ticket_of,
    sessions_to_ask_about,
    support_leads,
    tech_checks_for,
    ticket_entries_for,
    ticket_get_for,
    tickets_requested_by,
    tickets_visible_to,
)

__all__ = [
    "AGENT_ROLES",
    "CATEGORY_LABELS",
    "TIER_ROLES",
    "QueueFilter",
    "SessionReport",
    "SupportMetrics",
    "agents_of_tier",
    "assignable_agents",
    "catch_up_for",
    "is_agent",
    "least_busy_agent",
    "macro_get",
    "macros_active",
    "may_see_metrics",
    "policies_of",
    "policy_for",
    "queue_counts_for",
    "queue_page_for",
    "rating_of",
    "requester_label",
    "schedule_of",
    "sees_internal",
    "session_of_requester",
    "session_reports_for",
    "session_ticket_of",
    "sessions_to_ask_about",
    "support_leads",
    "support_metrics_for",
    "tech_checks_for",
    "ticket_entries_for",
    "ticket_get_for",
    "tickets_requested_by",
    "tickets_visible_to",
]
