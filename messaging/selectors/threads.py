"""Care-team threads: every read, given the viewer."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from crisis.selectors import crisis_event_unresolved_for, safety_plan_current_for
from iop.accounts.models import CareTeamMember, ClientProfile, User
from iop.accounts.selectors import clients_visible_to
from iop.audit.models import Action
from iop.audit.services import access_record, access_record_list
from iop.viewer import Viewer, person_of
from messaging.models import Message, MessageKind, MessageThread, ThreadRead


def threads_visible_to(viewer: Viewer) -> QuerySet[MessageThread]:
    """Threads of the clients the viewer may see: a client their own, a clinician their
    caseload's, a supervisor their program's, an administrator all, an API key its program's;
    support agents none."""
    return MessageThread.objects.filter(
        client__in=clients_visible_to(viewer).values("pk")
    ).select_related("client__user", "client__program", "started_by", "last_answered_by")


def with_unread(rows: QuerySet[MessageThread], viewer: Viewer) -> QuerySet[MessageThread]:
    """Each thread's count of messages the viewer has not read (0 for an API key)."""
    person = person_of(viewer)
    if person is None:
        return rows.annotate(unread=Value(0, output_field=IntegerField()))
    last_read = ThreadRead.objects.filter(thread=OuterRef("pk"), user=person).values(
        "last_read_message_id"
    )[:1]
    rows = rows.annotate(read_to=Coalesce(Subquery(last_read), 0))
    unread = (
        Message.objects.filter(
            thread=OuterRef("pk"), kind=MessageKind.MESSAGE, id__gt=OuterRef("read_to")
        )
        .exclude(author=person)
        .order_by()
        .values("thread")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return rows.annotate(unread=Coalesce(Subquery(unread), 0))


def thread_get_for(viewer: Viewer, thread_id: int, *, audit: bool = True) -> MessageThread:
    """One thread, if the viewer may see it (else MessageThread.DoesNotExist)."""
    thread = with_unread(threads_visible_to(viewer), viewer).get(pk=thread_id)
    if audit:
        access_record(actor=viewer, action=Action.VIEW, client=thread.client, obj=thread)
    return thread


def inbox_for(viewer: Viewer, *, limit: int = 200) -> list[MessageThread]:
    """The viewer's threads, the oldest unanswered client message first, then the latest."""
    rows = list(
        with_unread(threads_visible_to(viewer), viewer).order_by(
            F("awaiting_reply_since").asc(nulls_last=True), "-last_message_at", "-id"
        )[:limit]
    )
    access_record_list(
        actor=viewer, clients=[t.client for t in rows], object_type="messaging.MessageThread"
    )
    return rows


def unread_summary_for(viewer: Viewer) -> tuple[int, int]:
    """(threads with unread messages, threads waiting for an answer) for a staff dashboard;
    counts only, nothing about any client."""
    rows = with_unread(threads_visible_to(viewer), viewer)
    unread = rows.filter(unread__gt=0).count()  # type: ignore[misc]
    waiting = threads_visible_to(viewer).filter(awaiting_reply_since__isnull=False).count()
    return unread, waiting


def messages_visible_to(viewer: Viewer) -> QuerySet[Message]:
    return Message.objects.filter(
        thread__in=threads_visible_to(viewer).values("pk")
    ).select_related("author", "thread__client__user")


def messages_of(viewer: Viewer, thread: MessageThread) -> list[Message]:
    """A thread's messages in order; `thread` comes from a scoped selector (audited there)."""
    return list(thread.messages.select_related("author").order_by("sent_at", "id"))


def message_get_for(viewer: Viewer, message_id: int, *, audit: bool = True) -> Message:
    message = messages_visible_to(viewer).get(pk=message_id)
    if audit:
        access_record(actor=viewer, action=Action.VIEW, client=message.thread.client, obj=message)
    return message


def colleagues_for(viewer: Viewer, client: ClientProfile) -> list[User]:
    """The client's care team but the viewer: whom a staff member may name on a new thread;
    `client` comes from a scoped selector."""
    person = person_of(viewer)
    members = CareTeamMember.objects.filter(client=client, clinician__is_active=True)
    if person is not None:
        members = members.exclude(clinician=person)
    return [m.clinician for m in members.select_related("clinician")]


def colleagues_by_ids(client: ClientProfile, ids: list[int]) -> list[User]:
    """Active staff by id (any of them not on the client's care team is refused by the
    service, by name)."""
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def message_client_for(viewer: Viewer, client_id: int) -> ClientProfile:
    """A client the viewer may write to (else ClientProfile.DoesNotExist); audited."""
    client = clients_visible_to(viewer).get(pk=client_id)
    access_record(actor=viewer, action=Action.VIEW, client=client, obj=client)
    return client


def help_for(
    viewer: Viewer, thread: MessageThread, messages: list[Message]
) -> dict[str, Any] | None:
    """What the client sees in a thread after crisis words: their safety plan, and whether a
    crisis is open. Shown while the client's crisis is unresolved or for a day after."""
    from datetime import timedelta

    from django.utils import timezone

    flagged = [m for m in messages if m.crisis and m.from_client]
    if not flagged:
        return None
    event = crisis_event_unresolved_for(viewer, thread.client)
    if event is None and flagged[-1].sent_at < timezone.now() - timedelta(days=1):
        return None
    return {"plan": safety_plan_current_for(viewer, thread.client), "event": event}
