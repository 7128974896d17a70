"""Every read of tickets, given the viewer.

Who sees which tickets:
  requester      their own (a client's, or a staff member's own request), public replies only
  support agent  every ticket and its tech data (tier 1 and 2 work one clinic-wide desk), notes
  admin          the same: the support lead
  clinician      none here; on a session page they run, "client X reported a connection
                 problem" (`session_reports_for`)
  supervisor     none here; the support metrics (selectors/sla.py)
  API key        its program's tickets (support:read)
A ticket of a client is about that client: reading it is audited like any health information.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from iop.accounts.models import ClientProfile, Role, User
from iop.audit.models import Action
from iop.audit.services import access_record, access_record_list
from iop.viewer import Viewer, api_key_of, person_of
from sessions_app import selectors as sessions
from support.models import (
    ACTIVE,
    EntryKind,
    Macro,
    Ticket,
    TicketCategory,
    TicketEntry,
    TicketRating,
    TicketStatus,
)

AGENT_ROLES = (Role.SUPPORT_TIER1, Role.SUPPORT_TIER2, Role.ADMIN)
TIER_ROLES = {1: Role.SUPPORT_TIER1, 2: Role.SUPPORT_TIER2}
QUEUE_PAGE_SIZE = 50
TECH_CHECKS_SHOWN = 10


def _active_person(viewer: Viewer | None) -> User | None:
    person = person_of(viewer)
    return person if person is not None and person.is_active else None


def is_agent(viewer: Viewer | None) -> bool:
    """A support agent (tier 1 or 2) or an administrator (the support lead)."""
    person = _active_person(viewer)
    return person is not None and person.role in AGENT_ROLES


def agents_of_tier(tier: int) -> list[User]:
    """The active support staff of a tier, in a stable order."""
    return list(User.objects.filter(role=TIER_ROLES[tier], is_active=True).order_by("pk"))


def support_leads() -> list[User]:
    """Who hears about a breach at tier 2: the clinic's administrators."""
    return list(User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk"))


def assignable_agents() -> list[User]:
    return list(User.objects.filter(role__in=AGENT_ROLES, is_active=True).order_by("role", "pk"))


def least_busy_agent(tier: int) -> User | None:
    """The tier's agent with the fewest active tickets assigned (ties: the first by id)."""
    load = (
        Ticket.objects.filter(assignee=OuterRef("pk"), status__in=ACTIVE)
        .order_by()
        .values("assignee")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        User.objects.filter(role=TIER_ROLES[tier], is_active=True)
        .annotate(load=Coalesce(Subquery(load), 0))
        .order_by("load", "pk")
        .first()
    )


def requester_label(ticket: Ticket) -> str:
    """First name and initial: enough for an agent to greet, little to leak."""
    user = ticket.requester
    name = (user.preferred_name or user.full_name or "").split()
    if not name:
        return f"requester {user.pk}"
    return name[0] + (f" {name[-1][0]}." if len(name) > 1 else "")


def tickets_visible_to(viewer: Viewer | None) -> QuerySet[Ticket]:
    base = Ticket.objects.select_related("requester", "assignee", "session", "sla_policy")
    key = api_key_of(viewer)
    if key is not None:
        return base.filter(program_id=key.program_id)
    person = _active_person(viewer)
    if person is None:
        return base.none()
    if person.role in AGENT_ROLES:
        return base
    return base.filter(requester=person)


def _audit_one(viewer: Viewer, ticket: Ticket, object_type: str = "") -> None:
    if ticket.client_id is not None:
        access_record(
            actor=viewer,
            action=Action.VIEW,
            client=ticket.client,
            obj=None if object_type else ticket,
            object_type=object_type,
            object_id=ticket.pk if object_type else "",
        )


def ticket_get_for(viewer: Viewer, ticket_id: int, *, audit: bool = True) -> Ticket:
    """One ticket the viewer may see (else Ticket.DoesNotExist); reading it is audited."""
    ticket = tickets_visible_to(viewer).select_related("client__user").get(pk=ticket_id)
    if audit:
        _audit_one(viewer, ticket)
    return ticket


def sees_internal(viewer: Viewer, ticket: Ticket) -> bool:
    """Internal notes and events are the desk's: agents and API keys, never the requester."""
    return api_key_of(viewer) is not None or is_agent(viewer)


def ticket_entries_for(viewer: Viewer, ticket: Ticket) -> list[TicketEntry]:
    """The conversation the viewer may read, oldest first; `ticket` comes from a selector."""
    rows = TicketEntry.objects.filter(ticket=ticket).select_related("ticket__requester")
    if not sees_internal(viewer, ticket):
        rows = rows.filter(kind=EntryKind.REPLY)
    _audit_one(viewer, ticket, "support.TicketEntry")
    return list(rows.order_by("created_at", "id"))


def tickets_requested_by(viewer: Viewer) -> list[Ticket]:
    """The signed-in person's own requests, newest first (their portal list)."""
    person = _active_person(viewer)
    if person is None:
        return []
    rows = list(
        Ticket.objects.filter(requester=person)
        .select_related("session", "assignee", "rating")
        .order_by("-created_at", "-id")[:100]
    )
    access_record_list(
        actor=viewer,
        clients={t.client_id: t.client for t in rows if t.client_id}.values(),
        object_type="support.Ticket",
    )
    return rows


@dataclass(frozen=True)
class QueueFilter:
    """The support dashboard's filters; None / False means "any"."""

    mine: bool = False
    unassigned: bool = False
    tier: int | None = None
    status: str | None = None
    category: str | None = None


def queue_page_for(viewer: Viewer, wanted: QueueFilter, page_number: Any) -> Page[Ticket]:
    """The desk's queue: active tickets (or those of the chosen status), the nearest SLA
    deadline first, paused ones (no deadline) last; each client shown is audited."""
    if not is_agent(viewer):
        return Paginator(Ticket.objects.none(), QUEUE_PAGE_SIZE).get_page(1)
    rows = tickets_visible_to(viewer).select_related("client")
    rows = rows.filter(status=wanted.status) if wanted.status else rows.filter(status__in=ACTIVE)
    if wanted.mine:
        rows = rows.filter(assignee=person_of(viewer))
    if wanted.unassigned:
        rows = rows.filter(assignee__isnull=True)
    if wanted.tier:
        rows = rows.filter(tier=wanted.tier)
    if wanted.category:
        rows = rows.filter(category=wanted.category)
    rows = rows.order_by(F("next_deadline_at").asc(nulls_last=True), "created_at", "id")
    page = Paginator(rows, QUEUE_PAGE_SIZE).get_page(page_number)
    access_record_list(
        actor=viewer,
        clients={t.client_id: t.client for t in page if t.client_id}.values(),
        object_type="support.Ticket queue",
    )
    return page


def queue_counts_for(viewer: Viewer) -> dict[str, int]:
    """Counts for the dashboard panel (no client named)."""
    if not is_agent(viewer):
        return {}
    person = person_of(viewer)
    active = Ticket.objects.filter(status__in=ACTIVE)
    return active.aggregate(
        active=Count("pk"),
        mine=Count("pk", filter=Q(assignee=person)),
        unassigned=Count("pk", filter=Q(assignee__isnull=True)),
        breached=Count("pk", filter=Q(sla_state="breached")),
        warned=Count("pk", filter=Q(sla_state="warned")),
        tier2=Count("pk", filter=Q(tier=2)),
    )


def tech_checks_for(viewer: Viewer, ticket: Ticket) -> list[Any]:
    """The requester's latest tech checks, for the desk (tech data reaches agents through the
    tickets they work); nobody else reads them here."""
    if ticket.client_id is None or not sees_internal(viewer, ticket):
        return []
    _audit_one(viewer, ticket, "sessions.TechCheck")
    return sessions.tech_checks_recent(ticket.client_id, limit=TECH_CHECKS_SHOWN)


def rating_of(ticket: Ticket) -> TicketRating | None:
    """The requester's rating of a ticket already read through a selector."""
    return TicketRating.objects.filter(ticket=ticket).first()


def macros_active() -> list[Macro]:
    return list(Macro.objects.filter(is_active=True).order_by("name"))


def macro_get(macro_id: int) -> Macro:
    return Macro.objects.get(pk=macro_id, is_active=True)


# -- what other pages show --------------------------------------------------------------------


@dataclass(frozen=True)
class SessionReport:
    """A session page's line: who reported a connection problem, when, and how it stands."""

    client_name: str
    reported_at: Any
    state: str


def session_reports_for(viewer: Viewer, session: Any) -> list[SessionReport]:
    """Tickets about a session, as its staff see them: "client X reported a connection
    problem" and nothing of the ticket itself. `session` comes from the viewer's own scoped
    read (sessions_app's page); only clinical staff see these lines."""
    person = _active_person(viewer)
    if person is None or not person.is_clinical:
        return []
    rows = list(
        Ticket.objects.filter(session=session, client__isnull=False)
        .select_related("client__user")
        .order_by("created_at", "id")
    )
    access_record_list(
        actor=viewer,
        clients={t.client_id: t.client for t in rows}.values(),
        object_type="support.Ticket (session page)",
    )
    return [
        SessionReport(
            client_name=t.client.user.full_name if t.client else "",
            reported_at=t.created_at,
            state="support has solved it"
            if t.is_done
            else "waiting for the client"
            if t.status == TicketStatus.PENDING
            else "support is working on it",
        )
        for t in rows
    ]


def session_ticket_of(viewer: Viewer, client: ClientProfile, session: Any) -> Ticket | None:
    """The client's own latest ticket about a session (their session page shows it)."""
    person = _active_person(viewer)
    if person is None or person.pk != client.user_id:
        return None
    return (
        Ticket.objects.filter(requester=person, session=session)
        .order_by("-created_at", "-id")
        .first()
    )


CATEGORY_LABELS = dict(TicketCategory.choices)


# -- sessions a ticket may concern ------------------------------------------------------------

SESSIONS_BEFORE = timedelta(days=2)
SESSIONS_AFTER = timedelta(days=7)


def sessions_to_ask_about(viewer: Viewer, *, now: datetime | None = None) -> list[Any]:
    """The requester's sessions of the last two days and the coming week (the new-ticket form)."""
    person = _active_person(viewer)
    if person is None:
        return []
    now = now or timezone.now()
    return list(
        sessions.sessions_visible_to(person)
        .filter(starts_at__gte=now - SESSIONS_BEFORE, starts_at__lte=now + SESSIONS_AFTER)
        .order_by("starts_at", "pk")[:30]
    )


def session_of_requester(requester: User, session_id: int) -> Any | None:
    """One of the requester's sessions by id (None: not theirs, or no such session)."""
    return sessions.sessions_visible_to(requester).filter(pk=session_id).first()


@dataclass(frozen=True)
class CatchUp:
    """What the requester's ticket offers after a session they could not attend."""

    session: Any
    ended: bool
    offer_makeup: bool
    makeup: Any


def catch_up_for(viewer: Viewer, ticket: Ticket, *, now: datetime | None = None) -> CatchUp | None:
    """For the requester's own ticket about a session that has ended: the make-up to ask for
    (or the one asked for). A consented recording's catch-up plugs into the page's
    `portal.session_catch_up` slot."""
    session = ticket.session
    client = ticket.client
    person = _active_person(viewer)
    if session is None or client is None or person is None or person.pk != client.user_id:
        return None
    now = now or timezone.now()
    if session.ends_at > now:
        return CatchUp(session, False, False, None)
    attendance = sessions.attendance_at(viewer, session, client)
    makeup = sessions.makeup_for_missed(viewer, client, session)
    offer = sessions.may_ask_for_makeup(session, attendance, makeup, now=now)
    return CatchUp(session, True, offer, makeup)
