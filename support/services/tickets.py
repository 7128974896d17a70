"""Opening, answering and working tickets: replies from any channel, status, assignment,
priority, escalation to tier 2, canned replies and the requester's rating."""

from __future__ import annotations

import string
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from iop.accounts.models import ClientProfile, Role, StaffProfile, User
from iop.audit.models import Action
from iop.audit.services import access_record
from iop.domain import Conflict, NotAllowed
from iop.viewer import Actor, api_key_of, person_of
from sessions_app import selectors as sessions
from support.models import (
    ACTIVE,
    CLOSE_AFTER,
    EntryChannel,
    EntryKind,
    Macro,
    Ticket,
    TicketCategory,
    TicketEntry,
    TicketPriority,
    TicketRating,
    TicketSource,
    TicketStatus,
)
from support.selectors import (
    agents_of_tier,
    assignable_agents,
    is_agent,
    least_busy_agent,
)
from support.services.access import agent_of, is_requester, key_may_write, require_desk
from support.services.clock import (
    CLOCK_FIELDS,
    clock_start,
    clock_stop,
    policy_apply_for_priority,
)
from support.services.notices import desk_update, tell_requester, tell_staff, ticket_label
from support.tech_snapshot import snapshot_of

SUBJECT_MAX = 200
BODY_MAX = 5000
COMMENT_MAX = 2000
CLIENT_MESSAGE_ID_MAX = 64
# "I can't join a session that starts within 30 minutes" is urgent.
URGENT_WITHIN = timedelta(minutes=30)
MACRO_FIELDS = ("first_name", "agent", "ticket")


# -- shared -----------------------------------------------------------------------------------


def _label(actor: Actor) -> str:
    key = api_key_of(actor)
    if key is not None:
        return f"api-key:{key.prefix} ({key.name})"
    person = person_of(actor)
    return person.display_name if person is not None else "Harbor"


def _entry(
    ticket: Ticket,
    *,
    kind: str,
    actor: Actor,
    channel: str,
    body: str = "",
    from_requester: bool = False,
    client_message_id: str = "",
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> TicketEntry:
    return TicketEntry.objects.create(
        ticket=ticket,
        kind=kind,
        channel=channel,
        author=person_of(actor),
        author_label=_label(actor),
        from_requester=from_requester,
        body=body,
        client_message_id=client_message_id,
        data=data or {},
        created_at=at or timezone.now(),
    )


def event_add(ticket: Ticket, text: str, *, actor: Actor = None, **data: Any) -> TicketEntry:
    """An event on the ticket's conversation (the desk's side only)."""
    return _entry(
        ticket, kind=EntryKind.EVENT, actor=actor, channel=EntryChannel.SYSTEM, body=text, data=data
    )


def _clean_text(value: str, field: str, *, limit: int, empty: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: [empty]})
    if len(text) > limit:
        raise ValidationError({field: [f"Keep it under {limit:,} characters."]})
    return text


def _check_choice(value: str, field: str, choices: list[str]) -> None:
    if value not in choices:
        raise ValidationError({field: [f"Choose one of: {', '.join(choices)}."]})


def _lock(ticket: Ticket) -> Ticket:
    """The ticket's row, locked for this transaction and read afresh."""
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("requester", "client__user", "sla_calendar", "assignee", "session")
        .get(pk=ticket.pk)
    )


def _refresh_from(ticket: Ticket, locked: Ticket) -> None:
    """The caller's ticket as the locked copy left it (what refresh_from_db would read)."""
    for field in Ticket._meta.concrete_fields:
        setattr(ticket, field.attname, getattr(locked, field.attname))
    ticket._state.fields_cache = dict(locked._state.fields_cache)


def _save(ticket: Ticket, *fields: str) -> None:
    ticket.save(update_fields=sorted({*fields, *CLOCK_FIELDS, "updated_at"}))


def _desk_ids() -> list[int]:
    return [p.pk for p in assignable_agents()]


def priority_for(session: Any, now: datetime, *, source: str) -> str:
    """Urgent when the session it concerns starts within 30 minutes (or is under way); a
    connection problem with a later session is high; anything else normal."""
    if session is not None and not session.is_cancelled and now < session.ends_at:
        if session.starts_at - now <= URGENT_WITHIN:
            return TicketPriority.URGENT
        if source == TicketSource.TROUBLE:
            return TicketPriority.HIGH
    return TicketPriority.NORMAL


def _program_of(user: User) -> int | None:
    client = ClientProfile.objects.filter(user=user).only("program_id").first()
    if client is not None:
        return client.program_id
    profile = StaffProfile.objects.filter(user=user).only("program_id").first()
    return profile.program_id if profile is not None else None


# -- opening ----------------------------------------------------------------------------------


def _requester_for(actor: Actor, requester: User | None, source: str | None) -> tuple[User, str]:
    """Who the ticket is for, and its source; refuses anyone opening for someone else unless
    they are the desk or an API key of the requester's program."""
    key = api_key_of(actor)
    if key is not None:
        if requester is None:
            raise ValidationError({"client": ["Name the client this ticket is for."]})
        if not key_may_write(actor, _program_of(requester)):
            raise NotAllowed("This API key cannot open tickets for this client.")
        return requester, source or TicketSource.API
    person = person_of(actor)
    if actor is not None and (person is None or not person.is_active):
        raise NotAllowed("Sign in to ask for tech help.")
    if requester is None:
        if person is None:
            raise ValidationError({"requester": ["Name who the ticket is for."]})
        return person, source or TicketSource.PORTAL
    if person is not None and person.pk != requester.pk and agent_of(actor) is None:
        raise NotAllowed("You can only ask for help for yourself.")
    opened_for_other = person is not None and person.pk != requester.pk
    return requester, source or (TicketSource.AGENT if opened_for_other else TicketSource.PORTAL)


def ticket_open(
    *,
    actor: Actor,
    category: str,
    subject: str,
    body: str,
    requester: User | None = None,
    session: Any = None,
    priority: str | None = None,
    source: str | None = None,
    channel: str | None = None,
    client_message_id: str = "",
) -> tuple[Ticket, bool]:
    """Open a ticket for the requester (or join their open ticket about the same session),
    with their latest tech check attached and its SLA clock running; returns (ticket, created).

    Who: anyone for themselves, support staff for anyone, an API key with support:write for a
    client of its program; Harbor itself (actor None: a chat turned ticket) for anyone.
    Priority: the desk and keys may set it; otherwise the session decides (`priority_for`).
    """
    requester, source = _requester_for(actor, requester, source)
    _check_choice(category, "category", TicketCategory.values)
    _check_choice(source, "source", TicketSource.values)
    subject = _clean_text(
        subject, "subject", limit=SUBJECT_MAX, empty="Say in a few words what is wrong."
    )
    body = _clean_text(body, "body", limit=BODY_MAX, empty="Tell us what happened.")
    if priority is not None:
        _check_choice(priority, "priority", TicketPriority.values)
        if agent_of(actor) is None and api_key_of(actor) is None and actor is not None:
            raise ValidationError({"priority": ["Support sets the priority."]})
    if (
        session is not None
        and not sessions.sessions_visible_to(requester).filter(pk=session.pk).exists()
    ):
        raise ValidationError({"session": ["That session is not one of the requester's."]})
    if channel is not None:
        _check_choice(channel, "channel", EntryChannel.values)
    now = timezone.now()
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=requester.pk).first()  # one open at a time
        if session is not None:
            existing = Ticket.objects.filter(
                requester=requester, session=session, status__in=ACTIVE
            ).first()
            if existing is not None:
                ticket = _lock(existing)
                _reply_locked(
                    ticket,
                    actor=actor,
                    body=body,
                    internal=False,
                    channel=channel,
                    client_message_id=client_message_id,
                    now=now,
                    as_requester=True,
                )
                return ticket, False
        ticket = _create(
            actor=actor,
            requester=requester,
            category=category,
            subject=subject,
            body=body,
            session=session,
            priority=priority or priority_for(session, now, source=source),
            source=source,
            channel=channel,
            client_message_id=client_message_id,
            now=now,
        )
    return ticket, True


def _create(
    *,
    actor: Actor,
    requester: User,
    category: str,
    subject: str,
    body: str,
    session: Any,
    priority: str,
    source: str,
    channel: str | None,
    client_message_id: str,
    now: datetime,
) -> Ticket:
    client = ClientProfile.objects.filter(user=requester).first()
    check = sessions.latest_tech_checks([client.pk]).get(client.pk) if client else None
    ticket = Ticket(
        requester=requester,
        client=client,
        program_id=client.program_id if client else _program_of(requester),
        subject=subject,
        category=category,
        priority=priority,
        source=source,
        session=session,
        tech_check=check,
        tech_snapshot=snapshot_of(check),
        created_at=now,
    )
    policy_apply_for_priority(ticket)
    clock_start(ticket, now)
    ticket.save()
    default_channel = {
        TicketSource.CHAT: EntryChannel.CHAT,
        TicketSource.API: EntryChannel.API,
        TicketSource.AGENT: EntryChannel.AGENT,
    }.get(TicketSource(source), EntryChannel.PORTAL)
    _entry(
        ticket,
        kind=EntryKind.REPLY,
        actor=actor,
        channel=channel or default_channel,
        body=body,
        from_requester=True,
        client_message_id=client_message_id,
        data={"opening": True},
        at=now,
    )
    access_record(actor=actor, action=Action.CREATE, client=client, obj=ticket)
    label = ticket_label(ticket)
    tier1 = agents_of_tier(1)
    if priority == TicketPriority.URGENT:
        tell_staff(ticket, tier1, key="opened", text=f"New urgent ticket {label}.")
    desk_update(ticket, "support.ticket_opened", f"New ticket {label}", _desk_ids())
    return ticket


# -- replies ----------------------------------------------------------------------------------


def ticket_reply(
    *,
    actor: Actor,
    ticket: Ticket,
    body: str,
    internal: bool = False,
    channel: str | None = None,
    client_message_id: str = "",
) -> tuple[TicketEntry, bool]:
    """Add a public reply (any channel) or an internal note; returns (entry, created).

    The requester replying reopens a pending or solved ticket and starts the next-reply clock;
    the desk's first public reply stops the first-response clock, any public reply the
    next-reply clock. A closed ticket takes no replies. A message sent again with the same
    `client_message_id` (a double tap, a reconnect) is stored once.
    """
    body = _clean_text(body, "body", limit=BODY_MAX, empty="Write a message first.")
    if len(client_message_id) > CLIENT_MESSAGE_ID_MAX:
        raise ValidationError({"client_message_id": ["Keep message ids under 64 characters."]})
    if channel is not None:
        _check_choice(channel, "channel", EntryChannel.values)
    requester = is_requester(actor, ticket) and not is_agent(actor)
    if not requester:
        require_desk(actor, ticket)
    if internal and requester:
        raise ValidationError({"internal": ["Internal notes are for support staff."]})
    with transaction.atomic():
        locked = _lock(ticket)
        if client_message_id:
            found = TicketEntry.objects.filter(
                ticket=locked, author=person_of(actor), client_message_id=client_message_id
            ).first()
            if found is not None:
                return found, False
        entry = _reply_locked(
            locked,
            actor=actor,
            body=body,
            internal=internal,
            channel=channel,
            client_message_id=client_message_id,
            now=timezone.now(),
            as_requester=requester,
        )
    _refresh_from(ticket, locked)
    return entry, True


def _reply_locked(
    ticket: Ticket,
    *,
    actor: Actor,
    body: str,
    internal: bool,
    channel: str | None,
    client_message_id: str,
    now: datetime,
    as_requester: bool,
) -> TicketEntry:
    if ticket.status == TicketStatus.CLOSED:
        raise Conflict(
            f"Ticket #{ticket.pk} is closed. Open a new request and mention #{ticket.pk}."
        )
    if internal:
        entry = _entry(
            ticket,
            kind=EntryKind.NOTE,
            actor=actor,
            channel=channel or EntryChannel.AGENT,
            body=body,
            client_message_id=client_message_id,
            at=now,
        )
        access_record(actor=actor, action=Action.CREATE, client=ticket.client, obj=entry)
        return entry
    label = ticket_label(ticket)
    # A live chat's lines reach the other side in the chat itself: no notice for each line.
    live = channel == EntryChannel.CHAT
    clock_stop(ticket, now)
    if as_requester:
        channel = channel or EntryChannel.PORTAL
        if ticket.status in (TicketStatus.PENDING, TicketStatus.SOLVED):
            if ticket.status == TicketStatus.SOLVED:
                event_add(ticket, "Reopened: the requester replied.", actor=actor)
            ticket.status = TicketStatus.OPEN
            ticket.close_due_at = None
        if ticket.first_responded_at is not None and ticket.sla_next_reply_mark is None:
            ticket.sla_next_reply_mark = ticket.sla_spent
            ticket.sla_next_reply_cycle += 1
        who = [ticket.assignee] if ticket.assignee else agents_of_tier(ticket.tier)
        if not live:
            tell_staff(
                ticket,
                [p for p in who if p is not None],
                key=f"reply:{now.timestamp()}",
                text=f"The requester replied on ticket {label}.",
            )
    else:
        channel = channel or (EntryChannel.API if api_key_of(actor) else EntryChannel.AGENT)
        if ticket.first_responded_at is None:
            ticket.first_responded_at = now
            ticket.first_response_spent = ticket.sla_spent
        ticket.sla_next_reply_mark = None
        if ticket.status == TicketStatus.NEW:
            ticket.status = TicketStatus.OPEN
        agent = agent_of(actor)
        if ticket.assignee_id is None and agent is not None:
            ticket.assignee = agent
        if not live:
            tell_requester(
                ticket, key=f"reply:{now.timestamp()}", text="Tech support answered your request."
            )
    clock_start(ticket, now)
    _save(
        ticket, "status", "close_due_at", "first_responded_at", "first_response_spent", "assignee"
    )
    entry = _entry(
        ticket,
        kind=EntryKind.REPLY,
        actor=actor,
        channel=channel,
        body=body,
        from_requester=as_requester,
        client_message_id=client_message_id,
        at=now,
    )
    access_record(actor=actor, action=Action.CREATE, client=ticket.client, obj=entry)
    if not live:  # the agent in a chat sees its lines there; the desk's lists change on pickup
        desk_update(ticket, "support.ticket_updated", f"Ticket {label}: new reply", _desk_ids())
    return entry


# -- status, assignment, priority, tier -------------------------------------------------------


def status_fields_set(ticket: Ticket, status: str, now: datetime) -> None:
    """Set the status and what goes with it (solved and closed times, the auto-close timer);
    between clock_stop and clock_start."""
    old = ticket.status
    ticket.status = status
    if status == TicketStatus.SOLVED:
        ticket.solved_at = now
        ticket.close_due_at = now + CLOSE_AFTER
        ticket.resolution_spent = ticket.sla_spent
    elif status == TicketStatus.CLOSED:
        ticket.closed_at = now
        ticket.close_due_at = None
        if old != TicketStatus.SOLVED:
            ticket.resolution_spent = ticket.sla_spent
    else:
        ticket.close_due_at = None


STATUS_FIELDS = ("status", "solved_at", "closed_at", "close_due_at", "resolution_spent")


def ticket_status_set(*, actor: Actor, ticket: Ticket, status: str) -> Ticket:
    """Change a ticket's status: the desk to any but new; the requester only to solved.

    Pending and on hold pause the SLA clock; solved stops it (and closes the ticket 7 days
    later); closed is final.
    """
    _check_choice(status, "status", TicketStatus.values)
    requester = is_requester(actor, ticket) and not is_agent(actor)
    if requester:
        if status != TicketStatus.SOLVED:
            raise NotAllowed("You can mark your request solved; support sets anything else.")
    else:
        require_desk(actor, ticket)
    if status == TicketStatus.NEW:
        raise ValidationError({"status": ["A ticket cannot go back to new."]})
    with transaction.atomic():
        locked = _lock(ticket)
        if locked.status == TicketStatus.CLOSED:
            raise Conflict(f"Ticket #{locked.pk} is closed; closed is final.")
        if locked.status == status:
            return locked
        now = timezone.now()
        old = locked.get_status_display()
        clock_stop(locked, now)
        status_fields_set(locked, status, now)
        clock_start(locked, now)
        _save(locked, *STATUS_FIELDS)
        event_add(locked, f"Status: {old} → {locked.get_status_display()}.", actor=actor)
        access_record(actor=actor, action=Action.UPDATE, client=locked.client, obj=locked)
        label = ticket_label(locked)
        if status == TicketStatus.SOLVED and not requester:
            tell_requester(
                locked,
                key=f"solved:{now.timestamp()}",
                text="Tech support marked your request solved. If it is not, reply to reopen "
                "it within 7 days; you can also tell us how we did.",
            )
        desk_update(
            locked, "support.ticket_updated", f"Ticket {label}: {locked.status}", _desk_ids()
        )
    return locked


def ticket_assign(*, actor: Actor, ticket: Ticket, assignee: User | None) -> Ticket:
    """Give the ticket to an agent (or back to the queue); tier-2 tickets go to tier 2."""
    person = agent_of(actor)
    if person is None:
        raise NotAllowed("Only support staff assign tickets.")
    if assignee is not None and not is_agent(assignee):
        raise ValidationError({"assignee": ["Assign tickets to support staff only."]})
    with transaction.atomic():
        locked = _lock(ticket)
        if locked.status == TicketStatus.CLOSED:
            raise Conflict(f"Ticket #{locked.pk} is closed.")
        if assignee is not None and locked.tier == 2 and assignee.role == Role.SUPPORT_TIER1:
            raise ValidationError({"assignee": ["Tier-2 tickets go to tier-2 specialists."]})
        if locked.assignee_id == (assignee.pk if assignee else None):
            return locked
        locked.assignee = assignee
        if locked.status == TicketStatus.NEW and assignee is not None:
            locked.status = TicketStatus.OPEN
        _save(locked, "assignee", "status")
        event_add(
            locked,
            f"Assigned to {assignee.display_name}." if assignee else "Back in the queue.",
            actor=actor,
        )
        access_record(actor=actor, action=Action.UPDATE, client=locked.client, obj=locked)
        if assignee is not None and assignee.pk != person.pk:
            tell_staff(
                locked,
                [assignee],
                key=f"assigned:{timezone.now().timestamp()}",
                text=f"{person.display_name} gave you ticket {ticket_label(locked)}.",
            )
        desk_update(
            locked, "support.ticket_updated", f"Ticket {ticket_label(locked)} assigned", _desk_ids()
        )
    return locked


def ticket_priority_set(*, actor: Actor, ticket: Ticket, priority: str) -> Ticket:
    """A new priority brings its policy's targets; the business time already spent stays."""
    _check_choice(priority, "priority", TicketPriority.values)
    require_desk(actor, ticket)
    with transaction.atomic():
        locked = _lock(ticket)
        if locked.is_done:
            raise Conflict(f"Ticket #{locked.pk} is {locked.status}; reopen it first.")
        if locked.priority == priority:
            return locked
        now = timezone.now()
        old = locked.get_priority_display()
        clock_stop(locked, now)
        locked.priority = priority
        policy_apply_for_priority(locked)
        clock_start(locked, now)
        _save(locked, "priority")
        event_add(locked, f"Priority: {old} → {locked.get_priority_display()}.", actor=actor)
        access_record(actor=actor, action=Action.UPDATE, client=locked.client, obj=locked)
    return locked


def escalate_to_tier_2(
    ticket: Ticket, now: datetime, *, pick: Callable[[], User | None] | None = None
) -> tuple[User | None, User | None]:
    """Move a locked tier-1 ticket to tier 2 and give it to the least busy specialist (`pick`
    chooses; a tier-2 agent or administrator already holding it keeps it); (before, after)."""
    before = ticket.assignee
    ticket.tier = 2
    ticket.escalated_at = now
    if before is None or before.role == Role.SUPPORT_TIER1:
        ticket.assignee = pick() if pick is not None else least_busy_agent(2)
    return before, ticket.assignee


def ticket_escalate(*, actor: Actor, ticket: Ticket, reason: str = "") -> Ticket:
    """An agent hands a tier-1 ticket to tier 2 (specialists); they and the new holder hear."""
    person = agent_of(actor)
    if person is None:
        raise NotAllowed("Only support staff escalate tickets.")
    reason = (reason or "").strip()[:500]
    with transaction.atomic():
        locked = _lock(ticket)
        if locked.tier == 2:
            raise Conflict(f"Ticket #{locked.pk} is already with tier 2.")
        if locked.is_done:
            raise Conflict(f"Ticket #{locked.pk} is {locked.status}; reopen it first.")
        now = timezone.now()
        before, after = escalate_to_tier_2(locked, now)
        _save(locked, "tier", "escalated_at", "assignee")
        event_add(
            locked,
            f"Escalated to tier 2 by {person.display_name}"
            + (f", now with {after.display_name}" if after else "")
            + (f": {reason}" if reason else "."),
            actor=actor,
        )
        access_record(actor=actor, action=Action.UPDATE, client=locked.client, obj=locked)
        tell_staff(
            locked,
            [p for p in (after, *agents_of_tier(2)) if p is not None and p.pk != person.pk],
            key="escalated:manual",
            text=f"Ticket {ticket_label(locked)} was escalated to tier 2 by {person.display_name}.",
        )
        desk_update(
            locked,
            "support.ticket_updated",
            f"Ticket {ticket_label(locked)} escalated",
            _desk_ids(),
        )
    return locked


# -- macros and ratings -----------------------------------------------------------------------


def macro_placeholders(body: str) -> set[str]:
    """The {names} a macro body uses (a ValueError for unbalanced braces)."""
    return {
        name for _text, name, _spec, _conv in string.Formatter().parse(body) if name is not None
    }


def macro_render(macro: Macro, ticket: Ticket, agent: User | None) -> str:
    first = (ticket.requester.preferred_name or ticket.requester.full_name or "there").split()[0]
    values = {
        "first_name": first,
        "agent": agent.display_name if agent else "Harbor support",
        "ticket": f"#{ticket.pk}",
    }
    try:
        return macro.body.format_map(values)
    except (KeyError, ValueError, IndexError):
        return macro.body  # saved before its placeholders were checked: send it as written


def ticket_macro_apply(
    *, actor: Actor, ticket: Ticket, macro: Macro, body: str = ""
) -> TicketEntry:
    """Reply with a canned reply (edited or as it stands) and set the status it names."""
    agent = agent_of(actor)
    if agent is None:
        raise NotAllowed("Only support staff use canned replies.")
    with transaction.atomic():
        entry, _ = ticket_reply(
            actor=actor, ticket=ticket, body=body or macro_render(macro, ticket, agent)
        )
        if macro.status and macro.status != TicketStatus.NEW:
            ticket_status_set(actor=actor, ticket=ticket, status=macro.status)
    return entry


def ticket_rate(*, actor: Actor, ticket: Ticket, score: Any, comment: str = "") -> TicketRating:
    """The requester rates a solved (or closed) ticket 1-5, with a comment, once."""
    person = person_of(actor)
    if person is None or not is_requester(actor, ticket):
        raise NotAllowed("Only the person who asked for help rates it.")
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationError({"score": ["Choose a whole number from 1 to 5."]})
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationError({"comment": [f"Keep it under {COMMENT_MAX:,} characters."]})
    with transaction.atomic():
        locked = _lock(ticket)
        if not locked.is_done:
            raise Conflict("You can rate a request once it is solved.")
        if TicketRating.objects.filter(ticket=locked).exists():
            raise Conflict("You have already rated this request; thank you.")
        try:
            with transaction.atomic():
                rating = TicketRating.objects.create(
                    ticket=locked, score=score, comment=comment, rated_by=person
                )
        except IntegrityError:
            raise Conflict("You have already rated this request; thank you.") from None
        event_add(locked, f"Rated {score}/5 by the requester.", actor=actor)
        access_record(actor=actor, action=Action.CREATE, client=locked.client, obj=rating)
    return rating
