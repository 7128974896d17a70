"""Every read of live chat, given the viewer: a client's own chat, the queue a support agent
sees, a chat's lines, and an honest wait estimate for a client in the queue.

Who sees which chats: the client their own; support agents (and the support lead) the queues of
their tiers and any chat, as they see any ticket. Nobody else.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from iop.accounts.models import Role, User
from iop.audit.models import Action
from iop.audit.services import access_record
from iop.viewer import Viewer, person_of
from support.models import OPEN_CHAT, Chat, ChatLine, ChatLineKind, ChatStatus

# Which queues each role works: specialists also take tier-1 chats when tier 1 is busy.
TIERS_OF_ROLE: dict[str, tuple[int, ...]] = {
    Role.SUPPORT_TIER1: (1,),
    Role.SUPPORT_TIER2: (1, 2),
    Role.ADMIN: (1, 2),
}
# The estimate looks at the last picked-up chats of the tier, within this window.
ESTIMATE_WINDOW = timedelta(days=14)
ESTIMATE_SAMPLE = 30


def chat_wait_limit() -> int:
    """How long a chat waits for an agent before it becomes a ticket, in seconds."""
    return settings.SUPPORT_CHAT_WAIT_SECONDS


def chat_tiers_of(viewer: Viewer | None) -> tuple[int, ...]:
    """The queues a person works (none for anyone but support staff)."""
    person = person_of(viewer)
    if person is None or not person.is_active:
        return ()
    return TIERS_OF_ROLE.get(str(person.role), ())


def chat_open_of(person: User) -> Chat | None:
    """The person's chat that is waiting or with an agent, if any."""
    return (
        Chat.objects.filter(requester=person, status__in=OPEN_CHAT)
        .select_related("agent", "ticket", "session")
        .first()
    )


def chat_latest_of(person: User) -> Chat | None:
    """The person's open chat, else their last one (to show how it ended)."""
    return (
        Chat.objects.filter(requester=person)
        .select_related("agent", "ticket", "session")
        .order_by("-started_at", "-id")
        .first()
    )


def chat_get_for(viewer: Viewer | None, chat_id: Any) -> Chat:
    """A chat the viewer may see (Chat.DoesNotExist otherwise, shown as 404)."""
    person = person_of(viewer)
    if person is None or not person.is_active or not str(chat_id).isdigit():
        raise Chat.DoesNotExist
    found = Chat.objects.select_related("agent", "ticket", "session", "requester")
    if chat_tiers_of(person):
        return found.get(pk=int(chat_id))
    return found.get(pk=int(chat_id), requester=person)


def chat_lines_of(chat: Chat) -> list[ChatLine]:
    return list(chat.lines.select_related("entry", "author").order_by("created_at", "id"))


def chat_queue_for(viewer: Viewer | None) -> list[Chat]:
    """The waiting chats of the viewer's tiers, longest waiting first."""
    tiers = chat_tiers_of(viewer)
    if not tiers:
        return []
    return list(
        Chat.objects.filter(status=ChatStatus.WAITING, tier__in=tiers)
        .select_related("requester", "session")
        .order_by("queued_at", "id")
    )


def chats_of_agent(viewer: Viewer | None) -> list[Chat]:
    """The chats the agent is in now."""
    person = person_of(viewer)
    if person is None or not chat_tiers_of(person):
        return []
    return list(
        Chat.objects.filter(agent=person, status=ChatStatus.ACTIVE)
        .select_related("requester", "session", "ticket")
        .order_by("picked_at", "id")
    )


@dataclass(frozen=True)
class ChatWait:
    """Where a waiting client stands: their place in line and, from the tier's recent chats,
    how long people at that place have waited (None: too few recent chats to say)."""

    position: int
    estimate_seconds: int | None

    @property
    def text(self) -> str:
        place = (
            "You are next in line."
            if self.position == 1
            else f"You are number {self.position} in line."
        )
        if self.estimate_seconds is None:
            guess = "We don't have enough recent chats to estimate the wait."
        elif self.estimate_seconds < 60:
            guess = "Recent chats were picked up in under a minute."
        else:
            minutes = round(self.estimate_seconds / 60)
            guess = f"Recent chats at your place in line waited about {minutes} min."
        minutes = settings.SUPPORT_CHAT_WAIT_SECONDS // 60
        after = (
            f"If nobody is free within {minutes} minutes, your chat becomes a request and we "
            "will tell you when to expect an answer."
        )
        return f"{place} {guess} {after}"


def _recent_median(tier: int, now: datetime) -> float | None:
    """The median wait of the tier's recently picked-up chats (None: fewer than three)."""
    recent = list(
        Chat.objects.filter(
            tier=tier, picked_at__isnull=False, picked_at__gte=now - ESTIMATE_WINDOW
        )
        .order_by("-picked_at")
        .values_list("queued_at", "picked_at")[:ESTIMATE_SAMPLE]
    )
    waits = [
        (picked - queued).total_seconds()
        for queued, picked in recent
        if picked is not None and picked >= queued
    ]
    return statistics.median(waits) if len(waits) >= 3 else None


def _wait(position: int, median: float | None) -> ChatWait:
    """A place in line with its estimate: the median wait per place, capped at the wait after
    which the chat becomes a request."""
    estimate = None
    if median is not None:
        estimate = min(int(median * position), settings.SUPPORT_CHAT_WAIT_SECONDS)
    return ChatWait(position=position, estimate_seconds=estimate)


def chat_wait_of(chat: Chat, now: datetime | None = None) -> ChatWait | None:
    if chat.status != ChatStatus.WAITING:
        return None
    ahead = (
        Chat.objects.filter(status=ChatStatus.WAITING, tier=chat.tier)
        .filter(Q(queued_at__lt=chat.queued_at) | Q(queued_at=chat.queued_at, pk__lt=chat.pk))
        .count()
    )
    return _wait(ahead + 1, _recent_median(chat.tier, now or timezone.now()))


def queue_of_tier(tier: int) -> tuple[list[Chat], float | None]:
    """The waiting chats of a tier in line order, and the recent median wait per place (None:
    too few recent chats): two queries however long the queue."""
    chats = list(
        Chat.objects.filter(status=ChatStatus.WAITING, tier=tier)
        .select_related("requester", "session")
        .order_by("queued_at", "id")
    )
    return chats, _recent_median(tier, timezone.now()) if chats else None


def wait_text(position: int, median: float | None) -> str:
    """What a waiting client is told of their place in line (from a queue's places message)."""
    return _wait(position, median).text


# -- what the sockets and pages show ----------------------------------------------------------


def line_view(line: ChatLine) -> dict[str, Any]:
    """A line as both sides' pages show it (the author's name: the agent's first name, the
    client's preferred name)."""
    if line.kind == ChatLineKind.NOTICE or line.author is None:
        who = "Harbor"
    elif line.from_requester:
        who = line.author.display_name
    else:
        who = f"{line.author.display_name} (tech support)"
    return {
        "id": line.pk,
        "client_id": line.client_message_id,
        "kind": line.kind,
        "from_requester": line.from_requester,
        "author": who,
        "text": line.text,
        "at": line.created_at.isoformat(),
        "delivered": line.delivered_at is not None,
        "crisis": line.crisis,
    }


def chat_view(
    chat: Chat | None, *, lines: bool = True, wait: ChatWait | None = None
) -> dict[str, Any] | None:
    """A chat's state as its sockets send it (None: no chat)."""
    return None if chat is None else chat_state(chat, lines=lines, wait=wait)


def chat_state(chat: Chat, *, lines: bool = True, wait: ChatWait | None = None) -> dict[str, Any]:
    """A chat's state: status, agent, ticket, place in line, and its lines."""
    wait = wait or chat_wait_of(chat)
    view: dict[str, Any] = {
        "id": chat.pk,
        "status": chat.status,
        "status_label": chat.get_status_display(),
        "tier": chat.tier,
        "priority": chat.priority,
        "requester": chat.requester.display_name,
        "agent": chat.agent.display_name if chat.agent else None,
        "ticket": chat.ticket_id,
        "session": chat.session.title if chat.session else None,
        "from_page": chat.from_page,
        "queued_at": chat.queued_at.isoformat(),
        "answer_due_at": chat.answer_due_at.isoformat() if chat.answer_due_at else None,
        "position": wait.position if wait else None,
        "wait_text": wait.text if wait else "",
    }
    if lines:
        view["lines"] = [line_view(line) for line in chat_lines_of(chat)]
        view["crisis"] = any(line["crisis"] for line in view["lines"])
    return view


def queue_view(chats: list[Chat]) -> list[dict[str, Any]]:
    """The queue as the desk shows it: who, from where, waiting since when."""
    return [
        {
            "id": chat.pk,
            "tier": chat.tier,
            "priority": chat.priority,
            "requester": chat.requester.display_name,
            "session": chat.session.title if chat.session else None,
            "from_page": chat.from_page,
            "queued_at": chat.queued_at.isoformat(),
            "answer_due_at": chat.answer_due_at.isoformat() if chat.answer_due_at else None,
        }
        for chat in chats
    ]


def desk_snapshot(viewer: Viewer | None) -> dict[str, Any]:
    """What an agent's desk page is sent when it connects: the queues of their tiers and the
    chats they are in."""
    return {
        "type": "queues",
        "tiers": list(chat_tiers_of(viewer)),
        "chats": queue_view(chat_queue_for(viewer)),
        "mine": [chat_view(chat, lines=False) for chat in chats_of_agent(viewer)],
    }


def chat_transcript_for(viewer: Viewer | None, chat: Chat) -> dict[str, Any] | None:
    """A chat with its lines for a page; the desk's reading is audited (a client's own is not
    about anyone else)."""
    person = person_of(viewer)
    if person is None or person.pk != chat.requester_id:
        access_record(actor=viewer, action=Action.VIEW, client=chat.client, obj=chat)
    return chat_view(chat)
