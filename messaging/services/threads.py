"""Secure care-team threads: starting one, sending a message, reading, and the tick that
reminds the care team (then the supervisors) of a client's message left unanswered.

Nothing a person wrote leaves the thread: notifications say only that there is a message
("You have a new secure message from Harbor"), live events name the client to those who may
see them and never the words. A client's message passes the crisis screen first, exactly as an
inbound text does.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from crisis.services import crisis_screen_text
from iop.accounts.models import CareTeamMember, ClientProfile, Role, User
from iop.accounts.selectors import client_profile_of, clients_visible_to
from iop.audit.models import Action
from iop.audit.services import access_record
from iop.consents.models import ConsentKind
from iop.consents.selectors import consent_is_active
from iop.domain import NotAllowed
from iop.notify.models import Channel, Purpose
from iop.notify.services import message_enqueue
from iop.notify.services.outbox import message_enqueue_many
from iop.realtime.publish import publish_about_client
from iop.viewer import Actor, api_key_of, person_of
from messaging.clinic_hours import clinic_hours, reply_within, supervisor_after
from messaging.models import (
    BODY_MAX,
    SUBJECT_MAX,
    Message,
    MessageKind,
    MessageThread,
    ReminderStage,
    ReplyTimer,
    ThreadRead,
)

log = logging.getLogger(__name__)

NOTICE = "You have a new secure message from Harbor."
EXPECTATIONS = (
    "Messages are read during clinic hours, usually within one business day. "
    "Not for emergencies: call or text 988 or press I need help now."
)
CRISIS_REPLY = (
    "We have alerted your care team and someone will contact you. You don't have to go "
    "through this alone: call or text 988, or call our 24/7 line {line}. If you are in "
    "immediate danger, call 911."
)
AFTER_HOURS_REPLY = (
    "Thank you for your message. The clinic is closed now: your care team will read it when "
    "we open, {when}. Not for emergencies: call or text 988 or press I need help now."
)


# -- who may write ----------------------------------------------------------------------------


def require_may_message(actor: Actor) -> User:
    """The person writing, if their role may write secure messages at all (else NotAllowed).

    Clients write to their care team; clinical staff (clinicians, supervisors, administrators)
    to clients they may see. Support agents and API keys write none.
    """
    if api_key_of(actor) is not None:
        raise NotAllowed("An API key cannot write secure messages: a person writes them.")
    person = person_of(actor)
    if person is None or not person.is_active:
        raise NotAllowed("Sign in to write secure messages.")
    if person.role == Role.CLIENT:
        if client_profile_of(person) is None:
            raise NotAllowed("There is no client record for this account.")
        return person
    if not person.is_clinical:
        raise NotAllowed("Secure messages are between clients and their care team.")
    return person


def may_write_in(person: User, thread: MessageThread) -> bool:
    if person.pk == thread.client.user_id:
        return True
    return person.is_clinical and clients_visible_to(person).filter(pk=thread.client_id).exists()


def _body_errors(body: Any, errors: dict[str, list[str]]) -> str:
    text = body.strip() if isinstance(body, str) else ""
    if not isinstance(body, str) or not text:
        errors["body"] = ["Write your message first."]
    elif len(text) > BODY_MAX:
        errors["body"] = [f"Keep a message under {BODY_MAX} characters."]
    return text


# -- writes -----------------------------------------------------------------------------------


def thread_start(
    *,
    actor: Actor,
    body: Any,
    client: ClientProfile | None = None,
    subject: Any = "",
    colleagues: Iterable[User] = (),
) -> tuple[MessageThread, Message]:
    """A client writes to their care team; clinical staff write to a client they may see, alone
    or with named colleagues of the client's care team."""
    person = require_may_message(actor)
    errors: dict[str, list[str]] = {}
    subject = subject.strip() if isinstance(subject, str) else ""
    if len(subject) > SUBJECT_MAX:
        errors["subject"] = [f"Keep the subject under {SUBJECT_MAX} characters."]
    named = list(colleagues)
    if person.role == Role.CLIENT:
        own = client_profile_of(person)
        if client is not None and own is not None and client.pk != own.pk:
            errors["client"] = ["You write to your own care team."]
        client, to_care_team = own, True
        if named:
            errors["colleagues"] = ["Your message goes to your whole care team."]
    else:
        to_care_team = False
        if client is None:
            errors["client"] = ["Choose the client to write to."]
        elif not clients_visible_to(person).filter(pk=client.pk).exists():
            errors["client"] = ["No such client is visible to you."]
        else:
            team = set(
                CareTeamMember.objects.filter(client=client).values_list("clinician_id", flat=True)
            )
            outside = [c.display_name for c in named if c.pk not in team]
            if outside:
                errors["colleagues"] = [
                    f"Not on this client's care team: {', '.join(sorted(outside))}."
                ]
    text = _body_errors(body, errors)
    if errors:
        raise ValidationError(errors)
    assert client is not None
    with transaction.atomic():
        thread = MessageThread.objects.create(
            client=client, subject=subject, started_by=person, to_care_team=to_care_team
        )
        if not to_care_team:
            thread.staff.set({person.pk, *(c.pk for c in named)})
        access_record(actor=person, action=Action.CREATE, client=client, obj=thread)
        message = _send_locked(thread, person, text)
    return thread, message


def message_send(*, actor: Actor, thread: MessageThread, body: Any) -> Message:
    """The thread's client, or clinical staff who may see the client, add a message."""
    person = require_may_message(actor)
    if not may_write_in(person, thread):
        raise NotAllowed("You cannot write in this thread.")
    errors: dict[str, list[str]] = {}
    text = _body_errors(body, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = (
            MessageThread.objects.select_for_update(of=("self",))
            .select_related("client__user", "client__program")
            .get(pk=thread.pk)
        )
        return _send_locked(locked, person, text)


def thread_read(*, actor: Actor, thread: MessageThread) -> None:
    """The person has read the thread to its latest message (their own read state only).

    `thread` comes from a scoped selector, whose read is the audited one."""
    person = person_of(actor)
    if person is None:
        return
    latest = thread.messages.order_by("-id").values_list("id", flat=True).first()
    if latest is None:
        return
    _read_to(thread, person, latest, timezone.now())


def _read_to(thread: MessageThread, person: User, message_id: int, at: datetime) -> None:
    ThreadRead.objects.bulk_create(
        [ThreadRead(thread=thread, user=person, last_read_message_id=message_id, read_at=at)],
        update_conflicts=True,
        unique_fields=["thread", "user"],
        update_fields=["last_read_message_id", "read_at"],
    )


def _send_locked(thread: MessageThread, person: User, text: str) -> Message:
    """Store a message in the locked thread, then what follows from who wrote it."""
    now = timezone.now()
    from_client = person.pk == thread.client.user_id
    message = Message.objects.create(
        thread=thread, author=person, from_client=from_client, body=text, sent_at=now
    )
    thread.last_message_at = now
    if from_client:
        if thread.awaiting_reply_since is None:
            thread.awaiting_reply_since = now
        _timer_start(thread, message, now)
        _screen(thread, message)
        _auto_reply(thread, message, now)
        _tell_staff(thread)
    else:
        thread.awaiting_reply_since = None
        thread.last_answered_by, thread.last_answered_at = person, now
        ReplyTimer.objects.filter(thread=thread, answered_at__isnull=True).update(
            answered_at=now, answered_by=person, due_at=None
        )
        _tell_client(thread, message)
    thread.save(
        update_fields=[
            "last_message_at",
            "awaiting_reply_since",
            "last_answered_by",
            "last_answered_at",
        ]
    )
    _read_to(thread, person, message.pk, now)
    access_record(actor=person, action=Action.CREATE, client=thread.client, obj=message)
    return message


def staff_thread_path(thread: MessageThread) -> str:
    return reverse("messaging_staff:thread", args=[thread.pk])


def client_thread_path(thread: MessageThread) -> str:
    return reverse("messaging:thread", args=[thread.pk])


def _screen(thread: MessageThread, message: Message) -> None:
    """Crisis words open (or join) the client's crisis event, the message on its timeline."""
    event = crisis_screen_text(
        client=thread.client,
        text=message.body,
        channel="secure_message",
        link=f"{staff_thread_path(thread)}#m{message.pk}",
        link_label=f"Secure message #{message.pk}",
    )
    if event is None:
        return
    message.crisis, message.crisis_event_id = True, event.pk
    message.save(update_fields=["crisis", "crisis_event_id"])


def _auto_reply(thread: MessageThread, message: Message, now: datetime) -> None:
    """Harbor answers at once: the crisis lines after crisis words; outside clinic hours, when
    the message will be read (once per closed spell)."""
    if message.crisis:
        text = CRISIS_REPLY.format(line=settings.CLINIC_CRISIS_LINE)
    else:
        hours = clinic_hours(thread.client.program.time_zone)
        opening = hours.next_opening(now)
        if opening is None or opening <= now:
            return
        earlier = (
            thread.messages.filter(kind=MessageKind.AUTO_REPLY, crisis=False)
            .order_by("-sent_at", "-id")
            .first()
        )
        if earlier is not None and hours.next_opening(earlier.sent_at) == opening:
            return
        local = timezone.localtime(opening, timezone=_zone_of(thread.client.user))
        when = date_format(local, "l j F") + " at " + date_format(local, "H:i")
        text = AFTER_HOURS_REPLY.format(when=when)
    Message.objects.create(
        thread=thread,
        kind=MessageKind.AUTO_REPLY,
        author=None,
        from_client=False,
        body=text,
        sent_at=now,
        crisis=message.crisis,
    )


def _zone_of(user: User) -> Any:
    from zoneinfo import ZoneInfo

    try:
        return ZoneInfo(user.time_zone or settings.TIME_ZONE)
    except (KeyError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def _timer_start(thread: MessageThread, message: Message, now: datetime) -> None:
    """The client's first unanswered message starts the thread's reply timer."""
    if ReplyTimer.objects.filter(thread=thread, answered_at__isnull=True).exists():
        return
    hours = clinic_hours(thread.client.program.time_zone)
    ReplyTimer.objects.create(
        thread=thread, message=message, due_at=hours.add_open_time(now, reply_within())
    )


# -- who hears of it --------------------------------------------------------------------------


def thread_recipients(thread: MessageThread) -> list[User]:
    """The staff a thread is addressed to who may still see its client: the care team for a
    thread to the care team, else its named staff."""
    ids = set(thread.staff.values_list("pk", flat=True))
    if thread.to_care_team:
        ids |= set(
            CareTeamMember.objects.filter(client_id=thread.client_id).values_list(
                "clinician_id", flat=True
            )
        )
    people = User.objects.filter(pk__in=ids, is_active=True).order_by("pk")
    return [p for p in people if clients_visible_to(p).filter(pk=thread.client_id).exists()]


def _short_name(client: ClientProfile) -> str:
    name = (client.user.preferred_name or client.user.full_name or "").split()
    if not name:
        return f"client {client.record_number}"
    return name[0] + (f" {name[-1][0]}." if len(name) > 1 else "")


def _tell_staff(thread: MessageThread) -> None:
    """The thread's staff hear of a client's message live (who, never what)."""
    people = thread_recipients(thread)
    if not people:
        return
    publish_about_client(
        "messaging.message",
        {
            "title": f"New secure message from {_short_name(thread.client)}",
            "thread_id": thread.pk,
            "client_id": thread.client_id,
            "url": staff_thread_path(thread),
        },
        client_id=thread.client_id,
        user_ids=[p.pk for p in people],
    )


def _tell_client(thread: MessageThread, message: Message) -> None:
    """A text (with consent to texts) or else an email saying there is a message, never what
    it says; once until the client reads the thread."""
    client = thread.client
    user = client.user
    seen = (
        ThreadRead.objects.filter(thread=thread, user=user)
        .values_list("last_read_message_id", flat=True)
        .first()
        or 0
    )
    told_already = (
        thread.messages.filter(kind=MessageKind.MESSAGE, from_client=False, pk__gt=seen)
        .exclude(pk=message.pk)
        .exists()
    )
    if told_already or not user.is_active:
        return
    if user.phone and user.phone_verified_at and consent_is_active(client, ConsentKind.SMS):
        channel = Channel.SMS
    elif user.email:
        channel = Channel.EMAIL
    else:
        return
    link = f"{settings.PUBLIC_BASE_URL}{client_thread_path(thread)}"
    message_enqueue(
        actor=None,
        channel=channel,
        purpose=Purpose.OUTREACH,
        idempotency_key=f"messaging:message:{message.pk}:client",
        user=user,
        client=client,
        about=thread,
        subject=NOTICE,
        body=f"{NOTICE} Sign in to read it: {link}",
    )


def _program_supervisors(program_id: int) -> list[User]:
    people = list(
        User.objects.filter(
            role=Role.SUPERVISOR, is_active=True, staff_profile__program_id=program_id
        ).order_by("pk")
    )
    return people or list(User.objects.filter(role=Role.SUPERVISOR, is_active=True).order_by("pk"))


def _remind(people: list[User], timer: ReplyTimer, *, whom: str, text: str) -> None:
    thread = timer.thread
    link = f"{settings.PUBLIC_BASE_URL}{staff_thread_path(thread)}"
    specs: list[dict[str, Any]] = []
    for person in people:
        base = {
            "actor": None,
            "purpose": Purpose.REMINDER,
            "user": person,
            "about": thread,
        }
        specs.append(
            {
                **base,
                "channel": Channel.FEED,
                "idempotency_key": f"messaging:timer:{timer.pk}:{whom}:feed:{person.pk}",
                "body": text,
            }
        )
        if person.email:
            specs.append(
                {
                    **base,
                    "channel": Channel.EMAIL,
                    "idempotency_key": f"messaging:timer:{timer.pk}:{whom}:email:{person.pk}",
                    "subject": "A secure message is waiting for an answer",
                    "body": f"{text}\n\n{link}",
                }
            )
    if specs:
        message_enqueue_many(specs)
    if people:
        publish_about_client(
            "messaging.unanswered",
            {
                "title": f"Unanswered secure message from {_short_name(thread.client)}",
                "thread_id": thread.pk,
                "client_id": thread.client_id,
                "url": staff_thread_path(thread),
            },
            client_id=thread.client_id,
            user_ids=[p.pk for p in people],
        )


def reply_reminder_tick(*, now: datetime | None = None, batch: int = 50) -> int:
    """Reply timers past due remind the care team, then (after more clinic time) the program's
    supervisors, once each: claimed with SKIP LOCKED, so ticks running together never remind
    twice. Returns how many reminders went out."""
    handled = 0
    while True:
        with transaction.atomic():
            at = now or timezone.now()
            due = list(
                ReplyTimer.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("thread__client__user", "thread__client__program")
                .filter(due_at__lte=at, answered_at__isnull=True)
                .order_by("due_at", "pk")[:batch]
            )
            for timer in due:
                _timer_fire(timer, at)
            handled += len(due)
        if len(due) < batch:
            return handled


def _timer_fire(timer: ReplyTimer, at: datetime) -> None:
    thread = timer.thread
    client = thread.client
    if timer.stage == ReminderStage.CARE_TEAM:
        people = thread_recipients(thread) or _program_supervisors(client.program_id)
        _remind(
            people,
            timer,
            whom="care_team",
            text="A client's secure message has waited more than its reply time for an answer.",
        )
        hours = clinic_hours(client.program.time_zone)
        timer.stage = ReminderStage.SUPERVISOR
        timer.care_team_reminded_at = at
        timer.due_at = hours.add_open_time(at, supervisor_after())
        detail = f"unanswered message: care team reminded ({len(people)})"
    else:
        people = _program_supervisors(client.program_id)
        _remind(
            people,
            timer,
            whom="supervisor",
            text="A client's secure message is still unanswered after the care team was reminded.",
        )
        timer.stage = ReminderStage.DONE
        timer.supervisor_reminded_at = at
        timer.due_at = None
        detail = f"unanswered message: supervisors reminded ({len(people)})"
    timer.save(update_fields=["stage", "care_team_reminded_at", "supervisor_reminded_at", "due_at"])
    access_record(actor=None, action=Action.UPDATE, client=client, obj=timer, detail=detail)
