"""The demo clinic's secure messages (part of `manage.py seed_demo`). Safe to run again.

client1 asked their care team about the next group and their primary clinician answered, and
has written again (waiting for an answer); client2's question waits too, so a clinician's inbox
shows unread messages, the oldest unanswered first.
"""

from __future__ import annotations

from datetime import timedelta

from iop.accounts.demo import DemoClinic
from messaging.models import Message, MessageThread
from messaging.services import message_send, thread_start


def _backdate(thread: MessageThread, hours: float) -> None:
    """As if the thread had been written `hours` ago (demo only)."""
    shift = timedelta(hours=hours)
    for message in thread.messages.all():
        Message.objects.filter(pk=message.pk).update(sent_at=message.sent_at - shift)
    fields = {
        "created_at": thread.created_at - shift,
        "last_message_at": thread.last_message_at - shift,
    }
    if thread.awaiting_reply_since:
        fields["awaiting_reply_since"] = thread.awaiting_reply_since - shift
    if thread.last_answered_at:
        fields["last_answered_at"] = thread.last_answered_at - shift
    MessageThread.objects.filter(pk=thread.pk).update(**fields)


def seed_threads(clinic: DemoClinic) -> None:
    if len(clinic.clients) < 2:
        return
    first, second = clinic.clients[0], clinic.clients[1]
    if MessageThread.objects.filter(client__in=[first, second]).exists():
        return
    clinician = clinic.primary.get(first.pk)
    thread, _ = thread_start(
        actor=first.user,
        subject="Thursday's group",
        body="Hi, I have a work shift on Thursday evening. Could I join the Wednesday group "
        "this week instead?",
    )
    if clinician is not None:
        message_send(
            actor=clinician,
            thread=thread,
            body="Thanks for telling us ahead of time. Yes: I have added you to Wednesday's "
            "group this week. The link is on your Sessions page.",
        )
    message_send(
        actor=first.user,
        thread=thread,
        body="Thank you! Is there anything I should read before then?",
    )
    _backdate(thread, 3)
    waiting, _ = thread_start(
        actor=second.user,
        subject="Worksheet from Monday",
        body="I lost the worksheet we used on Monday. Could someone send it again?",
    )
    _backdate(waiting, 26)
