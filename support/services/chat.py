"""Live chat with tech support: a client starts a chat and says things, an agent picks it up,
hands it to tier 2 or ends it, either side marks lines seen, and the tick turns a chat nobody
picked up in time into a ticket.

The transcript is stored on a ticket: created (or the client's open one joined) when an agent
picks the chat up or when it turns into a ticket; from then on each line is a ticket reply from
the chat channel, so the SLA clock moves as for any reply. A line sent again with the same
client id (a double tap, a reconnect) is stored and shown once.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from crisis.services import crisis_screen_text, crisis_words_in
from iop.accounts.models import ClientProfile, Role, User
from iop.audit.models import Action
from iop.audit.services import access_record
from iop.domain import Conflict, NotAllowed
from iop.viewer import Actor, person_of
from sessions_app import selectors as sessions
from support import live
from support.models import (
    ACTIVE,
    OPEN_CHAT,
    Chat,
    ChatLine,
    ChatLineKind,
    ChatStatus,
    EntryChannel,
    EntryKind,
    Ticket,
    TicketCategory,
    TicketEntry,
    TicketSource,
)
from support.selectors import (
    chat_tiers_of,
    chat_view,
    line_view,
    policy_for,
    queue_of_tier,
    queue_view,
    schedule_of,
)
from support.services.tickets import (
    _entry,
    event_add,
    priority_for,
    ticket_assign,
    ticket_escalate,
    ticket_open,
    ticket_reply,
)

TEXT_MAX = 2000
CLIENT_ID_MAX = 64
PAGE_MAX = 200
CRISIS_NOTICE = (
    "If you are thinking about ending your life or you are not safe, please call or text "
    "{national} now, or call our 24/7 line {line}. If you are in immediate danger, call 911. "
    "We have let your care team know."
)
CRISIS_PROMPT = (
    "Crisis words in this chat. Harbor has alerted the client's care team. Stay with the "
    "client, give them 988 and the clinic's 24/7 line, and do not end the chat abruptly."
)


# -- checks -----------------------------------------------------------------------------------


def _clean_text(text: Any) -> str:
    value = str(text or "").strip()
    if not value:
        raise ValidationError({"text": ["Write a message first."]})
    if len(value) > TEXT_MAX:
        raise ValidationError({"text": [f"Keep a chat message under {TEXT_MAX:,} characters."]})
    return value


def _clean_id(client_message_id: Any) -> str:
    value = str(client_message_id or "")
    if len(value) > CLIENT_ID_MAX or not value.isprintable():
        raise ValidationError(
            {"client_message_id": [f"Use a printable id of at most {CLIENT_ID_MAX} characters."]}
        )
    return value or uuid.uuid4().hex


def _client_person(actor: Actor) -> User:
    person = person_of(actor)
    if person is None or not person.is_active or not person.is_client:
        raise NotAllowed("Live chat is for clients; staff can open a ticket instead.")
    return person


def _agent(actor: Actor, chat: Chat | None = None) -> User:
    person = person_of(actor)
    tiers = chat_tiers_of(person)
    if person is None or not tiers:
        raise NotAllowed("Only support staff work live chats.")
    if chat is not None and chat.tier not in tiers:
        raise NotAllowed("This chat waits for a tier-2 specialist.")
    return person


def _lock(chat: Chat) -> Chat:
    # Only the ticket comes along: a line needs it, and the other relations (read when a chat
    # is picked up, handed over or ended) cost more to compile and load than to fetch then.
    return Chat.objects.select_for_update(of=("self",)).select_related("ticket").get(pk=chat.pk)


def hours_open(priority: str, now: datetime) -> bool:
    """Whether the desk answers chats of this priority now: its SLA calendar's hours (no
    policy or calendar: always)."""
    policy = policy_for(priority)
    if policy is None or policy.calendar is None:
        return True
    return schedule_of(policy.calendar).is_open_at(now)


# -- what each side is sent -------------------------------------------------------------------


def _parties(chat: Chat) -> list[str]:
    groups = [live.requester_group(chat.requester_id)]
    if chat.agent_id is not None:
        groups.append(live.agent_group(chat.agent_id))
    return groups


def _send_line(chat: Chat, line: ChatLine) -> None:
    live.send_on_commit(
        [(_parties(chat), {"type": "line", "chat": chat.pk, "line": line_view(line)})]
    )


def _send_state(chat: Chat, *, also: list[str] | None = None) -> None:
    view = chat_view(chat)
    live.send_on_commit([([*_parties(chat), *(also or [])], {"type": "state", "chat": view})])


def _queue_changed(*tiers: int) -> None:
    """The desk's queues of these tiers, and the places in line to the tiers' waiting clients:
    two messages a tier however long the queue (each client's socket finds its own place)."""
    items: list[tuple[list[str], dict[str, Any]]] = []
    for tier in sorted(set(tiers)):
        chats, median = queue_of_tier(tier)
        items.append(
            ([live.desk_group(tier)], {"type": "queue", "tier": tier, "chats": queue_view(chats)})
        )
        items.append(
            (
                [live.waiting_group(tier)],
                {
                    "type": "places",
                    "tier": tier,
                    "order": [chat.pk for chat in chats],
                    "median": median,
                },
            )
        )
    live.send_on_commit(items)


def _notice(chat: Chat, text: str, *, crisis: bool = False) -> ChatLine:
    line = ChatLine.objects.create(
        chat=chat, kind=ChatLineKind.NOTICE, body=text, crisis=crisis, from_requester=False
    )
    _send_line(chat, line)
    return line


# -- the client's side ------------------------------------------------------------------------


def chat_start(
    *,
    actor: Actor,
    text: Any,
    client_message_id: Any = "",
    session: Any = None,
    from_page: Any = "",
) -> tuple[Chat, ChatLine, bool]:
    """A client's message to tech support: it joins their open chat, or starts one in the
    tier-1 queue (or, outside the desk's hours, a ticket); returns (chat, line, line created)."""
    person = _client_person(actor)
    text = _clean_text(text)
    client_message_id = _clean_id(client_message_id)
    page = str(from_page or "")
    page = page[:PAGE_MAX] if page.startswith("/") and page.isprintable() else ""
    if (
        session is not None
        and not sessions.sessions_visible_to(person).filter(pk=session.pk).exists()
    ):
        raise ValidationError({"session": ["That session is not one of yours."]})
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=person.pk).first()  # one open chat a person
        chat = Chat.objects.filter(requester=person, status__in=OPEN_CHAT).first()
        if chat is not None:
            chat = _lock(chat)
            line, created = _say(chat, person, text, client_message_id, from_requester=True)
            return chat, line, created
        now = timezone.now()
        client = ClientProfile.objects.filter(user=person).first()
        priority = priority_for(session, now, source=TicketSource.CHAT)
        chat = Chat.objects.create(
            requester=person,
            client=client,
            program_id=client.program_id if client else None,
            session=session,
            from_page=page,
            priority=priority,
            started_at=now,
            queued_at=now,
            answer_due_at=now + timedelta(seconds=settings.SUPPORT_CHAT_WAIT_SECONDS),
        )
        access_record(actor=actor, action=Action.CREATE, client=client, obj=chat)
        line = _line(chat, person, text, client_message_id, from_requester=True)
        if not hours_open(priority, now):
            _turn_into_ticket(chat, now, closed=True)
        else:
            _send_state(chat)
            _queue_changed(chat.tier)
    return chat, line, True


def chat_say(
    *, actor: Actor, chat: Chat, text: Any, client_message_id: Any = ""
) -> tuple[ChatLine, bool]:
    """A line from the chat's client or its agent; returns (line, created)."""
    text = _clean_text(text)
    client_message_id = _clean_id(client_message_id)
    person = person_of(actor)
    with transaction.atomic():
        locked = _lock(chat)
        from_requester = person is not None and person.pk == locked.requester_id
        if not from_requester:
            _agent(actor, locked)
            if locked.agent_id != person.pk:  # type: ignore[union-attr]
                raise NotAllowed("Pick the chat up before writing in it.")
        if locked.status not in OPEN_CHAT:
            raise Conflict("This chat has ended. Start a new one, or reply on its request.")
        return _say(locked, person, text, client_message_id, from_requester=from_requester)  # type: ignore[arg-type]


def _say(
    chat: Chat, person: User, text: str, client_message_id: str, *, from_requester: bool
) -> tuple[ChatLine, bool]:
    found = ChatLine.objects.filter(
        chat=chat, author=person, client_message_id=client_message_id
    ).first()
    if found is not None:
        return found, False
    return _line(chat, person, text, client_message_id, from_requester=from_requester), True


def _line(
    chat: Chat, person: User, text: str, client_message_id: str, *, from_requester: bool
) -> ChatLine:
    """Store a message (on the ticket once there is one), send it, and screen a client's."""
    entry = None
    if chat.ticket_id is not None:
        entry, _ = ticket_reply(
            actor=person,
            ticket=chat.ticket,  # type: ignore[arg-type]
            body=text,
            channel=EntryChannel.CHAT,
            client_message_id=client_message_id,
        )
    phrase = crisis_words_in(text) if from_requester else None
    line = ChatLine.objects.create(
        chat=chat,
        kind=ChatLineKind.MESSAGE,
        author=person,
        from_requester=from_requester,
        body="" if entry is not None else text,
        entry=entry,
        client_message_id=client_message_id,
        crisis=phrase is not None,
    )
    _send_line(chat, line)
    if phrase is not None:
        # Exactly as an inbound text: a crisis event for the client's care team.
        crisis_screen_text(client=chat.client, text=text, channel="support_chat")
        _notice(
            chat,
            CRISIS_NOTICE.format(
                national=settings.NATIONAL_CRISIS_LINE, line=settings.CLINIC_CRISIS_LINE
            ),
            crisis=True,
        )
        if chat.agent_id is not None:
            live.send_on_commit(
                [
                    (
                        [live.agent_group(chat.agent_id)],
                        {"type": "crisis", "chat": chat.pk, "text": CRISIS_PROMPT},
                    )
                ]
            )
    return line


def chat_seen(*, actor: Actor, chat: Chat, line_ids: Any) -> list[int]:
    """The other side's lines reached this side's page: mark them delivered and say so."""
    person = person_of(actor)
    if person is None:
        raise NotAllowed("Only the chat's people mark lines seen.")
    is_requester = person.pk == chat.requester_id
    if not is_requester and chat.agent_id != person.pk:
        raise NotAllowed("You are not in this chat.")
    ids = [int(i) for i in (line_ids if isinstance(line_ids, list) else []) if str(i).isdigit()][
        :200
    ]
    if not ids:
        return []
    with transaction.atomic():
        rows = ChatLine.objects.filter(
            chat=chat,
            pk__in=ids,
            kind=ChatLineKind.MESSAGE,
            from_requester=not is_requester,
            delivered_at__isnull=True,
        )
        marked = list(rows.values_list("pk", flat=True))
        if marked:
            ChatLine.objects.filter(pk__in=marked).update(delivered_at=timezone.now())
            live.send_on_commit(
                [(_parties(chat), {"type": "delivered", "chat": chat.pk, "lines": marked})]
            )
    return marked


def chat_end(*, actor: Actor, chat: Chat) -> Chat:
    """The client or the agent ends the chat (its ticket stays for anything left to do)."""
    person = person_of(actor)
    with transaction.atomic():
        locked = _lock(chat)
        if person is None or (person.pk != locked.requester_id and locked.agent_id != person.pk):
            _agent(actor)  # the desk may end any chat; anyone else may not
        if locked.status not in OPEN_CHAT:
            return locked
        tier = locked.tier
        was_waiting = locked.status == ChatStatus.WAITING
        locked.status = ChatStatus.ENDED
        locked.ended_at = timezone.now()
        locked.answer_due_at = None
        locked.save(update_fields=["status", "ended_at", "answer_due_at"])
        who = "You" if person is not None and person.pk == locked.requester_id else None
        _notice(locked, f"{who or person.display_name} ended the chat.")  # type: ignore[union-attr]
        if locked.ticket_id is not None:
            event_add(locked.ticket, f"Live chat #{locked.pk} ended.", actor=actor)  # type: ignore[arg-type]
        _send_state(locked)
        if was_waiting:
            _queue_changed(tier)
    return locked


# -- the desk's side --------------------------------------------------------------------------


def chat_pick(*, actor: Actor, chat: Chat) -> Chat:
    """An agent of the chat's tier picks it up: its transcript goes on a ticket they hold."""
    agent = _agent(actor)
    with transaction.atomic():
        locked = _lock(chat)
        _agent(actor, locked)
        if locked.status != ChatStatus.WAITING:
            raise Conflict(
                "Someone else already picked this chat up."
                if locked.status == ChatStatus.ACTIVE
                else "This chat has ended."
            )
        now = timezone.now()
        locked.agent = agent
        locked.status = ChatStatus.ACTIVE
        locked.picked_at = now
        locked.answer_due_at = None
        ticket = _ticket_for(locked, now)
        locked.save(update_fields=["agent", "status", "picked_at", "answer_due_at", "ticket"])
        if ticket.assignee_id != agent.pk and not (
            ticket.tier == 2 and agent.role == Role.SUPPORT_TIER1
        ):
            locked.ticket = ticket_assign(actor=agent, ticket=ticket, assignee=agent)
        access_record(actor=actor, action=Action.VIEW, client=locked.client, obj=locked)
        _notice(locked, f"{agent.display_name} from tech support joined the chat.")
        _send_state(locked)
        _queue_changed(locked.tier)
    return locked


def chat_handoff(*, actor: Actor, chat: Chat, reason: Any = "") -> Chat:
    """The agent hands a tier-1 chat to tier 2: it waits at the front of the specialists'
    queue, and its ticket is escalated."""
    agent = _agent(actor)
    with transaction.atomic():
        locked = _lock(chat)
        if locked.agent_id != agent.pk:
            raise NotAllowed("Only the agent in the chat can hand it over.")
        if locked.status != ChatStatus.ACTIVE:
            raise Conflict("This chat is not with you any more.")
        if locked.tier == 2:
            raise Conflict("This chat is already with tier 2.")
        now = timezone.now()
        if locked.ticket is not None and locked.ticket.tier == 1 and locked.ticket.is_active:
            ticket_escalate(
                actor=agent,
                ticket=locked.ticket,
                reason=str(reason or "Handed over from live chat.")[:500],
            )
        locked.tier = 2
        locked.status = ChatStatus.WAITING
        locked.agent = None
        locked.queued_at = locked.started_at  # first in line: they have waited already
        locked.answer_due_at = now + timedelta(seconds=settings.SUPPORT_CHAT_WAIT_SECONDS)
        locked.save(update_fields=["tier", "status", "agent", "queued_at", "answer_due_at"])
        _notice(
            locked,
            f"{agent.display_name} asked a specialist to take over. Please stay here: "
            "you are first in line.",
        )
        live.send_on_commit(
            [([live.agent_group(agent.pk)], {"type": "state", "chat": chat_view(locked)})]
        )
        _send_state(locked)
        _queue_changed(1, 2)
    return locked


# -- turning chats into tickets ---------------------------------------------------------------


def _ticket_for(chat: Chat, now: datetime) -> Ticket:
    """The chat's ticket: its own, the client's open one about the same session (or their
    latest open one), or a new one; the lines said so far are filed on it."""
    lines = list(
        chat.lines.filter(kind=ChatLineKind.MESSAGE, entry__isnull=True).order_by(
            "created_at", "id"
        )
    )
    ticket = chat.ticket
    if ticket is None:
        open_ones = Ticket.objects.filter(requester_id=chat.requester_id, status__in=ACTIVE)
        if chat.session_id is not None:
            open_ones = open_ones.filter(session_id=chat.session_id)
        ticket = open_ones.order_by("-updated_at", "-id").first()
        if ticket is not None and lines:
            first = lines.pop(0)
            entry, _ = ticket_reply(
                actor=chat.requester,
                ticket=ticket,
                body=first.body,
                channel=EntryChannel.CHAT,
                client_message_id=first.client_message_id,
            )
            _filed(first, entry)
        elif ticket is None:
            first = lines.pop(0)
            subject = (
                f"Live chat: can't connect to {chat.session.title}"
                if chat.session is not None
                else "Live chat with tech support"
            )
            ticket, _ = ticket_open(
                actor=None,
                requester=chat.requester,
                category=TicketCategory.CONNECTION if chat.session_id else TicketCategory.OTHER,
                subject=subject,
                body=first.body,
                session=chat.session,
                priority=chat.priority,
                source=TicketSource.CHAT,
                channel=EntryChannel.CHAT,
                client_message_id=first.client_message_id,
            )
            _filed(
                first,
                TicketEntry.objects.filter(
                    ticket=ticket, client_message_id=first.client_message_id
                ).latest("created_at", "id"),
            )
        event_add(ticket, f"Live chat #{chat.pk}: its transcript is on this ticket.")
        chat.ticket = ticket
    for line in lines:  # said before the pickup: filed as they were, without a notice each
        _filed(
            line,
            _entry(
                ticket,
                kind=EntryKind.REPLY,
                actor=line.author,
                channel=EntryChannel.CHAT,
                body=line.body,
                from_requester=line.from_requester,
                client_message_id=line.client_message_id,
                at=line.created_at,
            ),
        )
    ticket.refresh_from_db()
    return ticket


def _filed(line: ChatLine, entry: TicketEntry) -> None:
    """The line now lives on the ticket, dated when it was said (ticket_open and ticket_reply
    date the first one at the pickup, which put it after the lines said later)."""
    if entry.created_at != line.created_at:
        TicketEntry.objects.filter(pk=entry.pk).update(created_at=line.created_at)
    line.entry = entry
    line.body = ""
    line.save(update_fields=["entry", "body"])


def _answer_by(ticket: Ticket, person: User) -> str:
    due = (
        ticket.first_response_due_at
        if ticket.first_responded_at is None
        else ticket.next_reply_due_at
    ) or ticket.resolution_due_at
    if due is None:
        return "as soon as the desk is open"
    local = timezone.localtime(due, ZoneInfo(person.time_zone))
    return f"by {local:%a %d %b, %H:%M}"


def _turn_into_ticket(chat: Chat, now: datetime, *, closed: bool) -> None:
    tier = chat.tier
    ticket = _ticket_for(chat, now)
    chat.status = ChatStatus.TICKETED
    chat.ended_at = now
    chat.answer_due_at = None
    chat.save(update_fields=["status", "ended_at", "answer_due_at", "ticket"])
    why = (
        "Tech support's live chat is closed right now"
        if closed
        else "Nobody from tech support was free to pick up your chat in time"
    )
    _notice(
        chat,
        f"{why}, so your messages are now request #{ticket.pk}. Expect an answer "
        f"{_answer_by(ticket, chat.requester)}; we will email you, and you can add to it on the "
        "request's page.",
    )
    event_add(
        ticket,
        f"Live chat #{chat.pk} was not picked up"
        + (" (outside the desk's hours)." if closed else " in time."),
    )
    _send_state(chat)
    _queue_changed(tier)


def chat_unanswered_tick(*, now: datetime | None = None, limit: int = 50) -> int:
    """Turn waiting chats nobody picked up by their time into tickets (timer rows claimed with
    SKIP LOCKED, so two ticks never turn one chat twice); returns how many."""
    now = now or timezone.now()
    done = 0
    with transaction.atomic():
        due = list(
            Chat.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("requester", "client", "session", "ticket")
            .filter(answer_due_at__lte=now)
            .order_by("answer_due_at")[:limit]
        )
        for chat in due:
            if chat.status != ChatStatus.WAITING:
                chat.answer_due_at = None
                chat.save(update_fields=["answer_due_at"])
                continue
            _turn_into_ticket(chat, now, closed=not hours_open(chat.priority, now))
            done += 1
    return done
