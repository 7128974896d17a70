"""Live chat's rules, through its services: a client's chat waits in the queue with an honest
place in line, an agent's pickup files the transcript on a ticket (new, or the client's open
one), a chat nobody picks up in time (or outside hours) turns into a ticket once, crisis words
go to the crisis screen, a message sent twice is stored once, and bad input changes nothing."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection

from crisis.models import CrisisEvent, CrisisSource
from iop.audit.models import AccessLog
from iop.domain import Conflict, NotAllowed
from support.models import (
    Chat,
    ChatLine,
    ChatStatus,
    EntryChannel,
    Ticket,
    TicketEntry,
    TicketPriority,
    TicketSource,
    TicketStatus,
)
from support.selectors import chat_view, chat_wait_of
from support.services import (
    chat_end,
    chat_handoff,
    chat_pick,
    chat_say,
    chat_seen,
    chat_start,
    chat_unanswered_tick,
    ticket_open,
)
from tests.factories import ClientProfileFactory
from tests.support.conftest import ny

WEDNESDAY_10AM = ny(2026, 12, 2, 10, 0)
WEDNESDAY_NIGHT = ny(2026, 12, 2, 22, 0)


@pytest.fixture
def open_desk(policies):
    with time_machine.travel(WEDNESDAY_10AM, tick=False) as traveller:
        yield traveller


def _start(client_profile, text="My camera won't start", message_id="m-1", **kwargs):
    return chat_start(actor=client_profile.user, text=text, client_message_id=message_id, **kwargs)


def test_a_client_chat_waits_in_the_tier_1_queue_with_its_place_in_line(
    open_desk, client_profile, other_client_profile
):
    first, line, created = _start(client_profile)
    second, _, _ = _start(other_client_profile, message_id="m-2")

    assert created and first.status == ChatStatus.WAITING and first.tier == 1
    assert first.answer_due_at == WEDNESDAY_10AM + timedelta(seconds=180)
    assert line.text == "My camera won't start" and line.entry is None
    assert chat_wait_of(first).position == 1
    assert chat_wait_of(second).position == 2
    # No recent chats: it says so instead of inventing a wait.
    assert "enough recent chats" in chat_wait_of(second).text
    assert Ticket.objects.count() == 0  # a ticket is made on pickup, not before


def test_the_wait_estimate_comes_from_recent_pickups(open_desk, client_profile, support_agent):
    for n in range(3):
        other = ClientProfileFactory(program=client_profile.program)
        chat, _, _ = _start(other, message_id=f"old-{n}")
        open_desk.shift(timedelta(seconds=40))
        chat_pick(actor=support_agent, chat=chat)
    waiting, _, _ = _start(client_profile)
    wait = chat_wait_of(waiting)
    assert wait.position == 1 and wait.estimate_seconds == 40
    assert "under a minute" in wait.text


def test_a_second_message_joins_the_open_chat_and_a_repeat_is_stored_once(
    open_desk, client_profile
):
    chat, _, _ = _start(client_profile)
    again, line, created = _start(client_profile, text="Still nothing", message_id="m-2")
    repeat, same, repeated = _start(client_profile, text="Still nothing", message_id="m-2")

    assert again.pk == chat.pk == repeat.pk
    assert created and not repeated and same.pk == line.pk
    assert chat.lines.count() == 2


def test_pickup_files_the_transcript_on_a_new_ticket_the_agent_holds(
    open_desk, client_profile, support_agent
):
    chat, _, _ = _start(client_profile)
    _start(client_profile, text="I tried reloading", message_id="m-2")

    picked = chat_pick(actor=support_agent, chat=chat)

    ticket = picked.ticket
    assert picked.status == ChatStatus.ACTIVE and picked.agent == support_agent
    assert ticket.source == TicketSource.CHAT and ticket.assignee == support_agent
    bodies = [
        e.body for e in ticket.entries.filter(channel=EntryChannel.CHAT).order_by("created_at")
    ]
    assert bodies == ["My camera won't start", "I tried reloading"]
    # The transcript is stored once: the chat's lines now point at the ticket's entries.
    assert not ChatLine.objects.filter(chat=chat, kind="message").exclude(body="").exists()
    assert [line.text for line in chat.lines.filter(kind="message")] == bodies
    assert AccessLog.objects.filter(actor=support_agent, object_type="support.Chat").exists()


def test_lines_after_pickup_are_ticket_replies_that_move_the_clock(
    open_desk, client_profile, support_agent
):
    chat, _, _ = _start(client_profile)
    chat = chat_pick(actor=support_agent, chat=chat)
    assert chat.ticket.first_responded_at is None

    open_desk.shift(timedelta(minutes=2))
    answer, _ = chat_say(
        actor=support_agent, chat=chat, text="Check the camera icon", client_message_id="a-1"
    )
    ticket = Ticket.objects.get(pk=chat.ticket_id)
    assert answer.entry.channel == EntryChannel.CHAT and not answer.entry.from_requester
    assert ticket.first_responded_at == WEDNESDAY_10AM + timedelta(minutes=2)
    assert ticket.status == TicketStatus.OPEN


def test_pickup_joins_the_clients_open_ticket_about_the_same_session(
    open_desk, client_profile, support_agent, group
):
    from tests.sessions_app.conftest import make_session

    session = make_session(group, starts_at=WEDNESDAY_10AM + timedelta(minutes=20))
    ticket, _ = ticket_open(
        actor=client_profile.user,
        category="connection",
        subject="Can't connect",
        body="It says no camera",
        session=session,
    )
    chat, _, _ = _start(client_profile, session=session)
    assert chat.priority == TicketPriority.URGENT  # the session starts within 30 minutes

    picked = chat_pick(actor=support_agent, chat=chat)

    assert picked.ticket_id == ticket.pk
    assert ticket.entries.filter(channel=EntryChannel.CHAT).count() == 1
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize("open_ticket", [False, True], ids=["new ticket", "client's open one"])
def test_the_transcript_keeps_the_order_and_times_the_lines_were_said(
    open_desk, client_profile, support_agent, group, open_ticket
):
    from tests.sessions_app.conftest import make_session

    session = make_session(group, starts_at=WEDNESDAY_10AM + timedelta(minutes=20))
    if open_ticket:
        ticket_open(
            actor=client_profile.user,
            category="connection",
            subject="Can't connect",
            body="It says no camera",
            session=session,
        )
    chat, _, _ = _start(client_profile, session=session)
    open_desk.shift(timedelta(seconds=30))
    _start(client_profile, text="I tried reloading", message_id="m-2")
    open_desk.shift(timedelta(seconds=30))

    picked = chat_pick(actor=support_agent, chat=chat)

    said = picked.ticket.entries.filter(channel=EntryChannel.CHAT).order_by("created_at", "id")
    assert [(e.body, e.created_at) for e in said] == [
        ("My camera won't start", WEDNESDAY_10AM),
        ("I tried reloading", WEDNESDAY_10AM + timedelta(seconds=30)),
    ]


def test_a_chat_nobody_picks_up_in_time_becomes_a_ticket_once(
    open_desk, client_profile, support_agent
):
    chat, _, _ = _start(client_profile)
    open_desk.shift(timedelta(seconds=179))
    assert chat_unanswered_tick() == 0

    open_desk.shift(timedelta(seconds=2))
    assert chat_unanswered_tick() == 1
    assert chat_unanswered_tick() == 0

    chat.refresh_from_db()
    assert chat.status == ChatStatus.TICKETED and chat.answer_due_at is None
    notice = chat.lines.filter(kind="notice").last()
    assert f"request #{chat.ticket_id}" in notice.body and "Expect an answer by" in notice.body
    with pytest.raises(Conflict):
        chat_pick(actor=support_agent, chat=chat)


@pytest.mark.django_db(transaction=True)
def test_two_ticks_racing_turn_a_chat_into_one_ticket(policies, client_profile):
    with time_machine.travel(WEDNESDAY_10AM, tick=False) as traveller:
        _start(client_profile)
        traveller.shift(timedelta(minutes=4))
        results: list[int] = []
        barrier = threading.Barrier(2)

        def tick():
            barrier.wait()
            try:
                results.append(chat_unanswered_tick())
            finally:
                connection.close()

        threads = [threading.Thread(target=tick) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(results) == [0, 1]
    assert Ticket.objects.count() == 1


def test_outside_hours_the_chat_is_a_ticket_at_once_and_says_when(policies, client_profile):
    with time_machine.travel(WEDNESDAY_NIGHT, tick=False):
        chat, _, _ = _start(client_profile)
    assert chat.status == ChatStatus.TICKETED
    notice = chat.lines.filter(kind="notice").get()
    assert "closed right now" in notice.body
    # First response due 30 business minutes... of a normal ticket: 120 min from 9:00 Thursday.
    assert "by Thu 03 Dec, 11:00" in notice.body


def test_crisis_words_open_a_crisis_event_and_show_both_sides_the_help(
    open_desk, client_profile, support_agent
):
    chat, _, _ = _start(client_profile)
    chat = chat_pick(actor=support_agent, chat=chat)
    line, _ = chat_say(
        actor=client_profile.user, chat=chat, text="honestly I want to die", client_message_id="c"
    )

    event = CrisisEvent.objects.get(client=client_profile)
    assert event.source == CrisisSource.SUPPORT_CHAT
    assert line.crisis
    notice = chat.lines.filter(kind="notice", crisis=True).get()
    assert "988" in notice.body
    assert chat_view(chat)["crisis"] is True


def test_handing_to_tier_2_puts_the_chat_first_in_the_specialists_queue(
    open_desk, client_profile, support_agent, specialist
):
    chat = chat_pick(actor=support_agent, chat=_start(client_profile)[0])
    handed = chat_handoff(actor=support_agent, chat=chat)

    assert handed.tier == 2 and handed.status == ChatStatus.WAITING and handed.agent is None
    assert Ticket.objects.get(pk=chat.ticket_id).tier == 2
    with pytest.raises(NotAllowed):
        chat_pick(actor=support_agent, chat=handed)  # tier 1 cannot take it back
    taken = chat_pick(actor=specialist, chat=handed)
    assert taken.agent == specialist and taken.ticket_id == chat.ticket_id


def test_seen_marks_only_the_other_sides_lines_delivered(open_desk, client_profile, support_agent):
    chat = chat_pick(actor=support_agent, chat=_start(client_profile)[0])
    mine, _ = chat_say(actor=client_profile.user, chat=chat, text="hi", client_message_id="x")
    theirs, _ = chat_say(actor=support_agent, chat=chat, text="hello", client_message_id="y")

    assert chat_seen(actor=client_profile.user, chat=chat, line_ids=[mine.pk, theirs.pk]) == [
        theirs.pk
    ]
    assert chat_seen(actor=support_agent, chat=chat, line_ids=[mine.pk]) == [mine.pk]


@pytest.mark.parametrize(
    ("text", "message_id", "field"),
    [
        ("", "ok", "text"),
        ("   ", "ok", "text"),
        ("x" * 10_000, "ok", "text"),
        ("fine", "x" * 65, "client_message_id"),
        ("fine", "bad\x00id", "client_message_id"),
    ],
)
def test_bad_messages_are_refused_by_field_and_store_nothing(
    open_desk, client_profile, text, message_id, field
):
    with pytest.raises(ValidationError) as refused:
        _start(client_profile, text=text, message_id=message_id)
    assert field in refused.value.message_dict
    assert not Chat.objects.exists() and not ChatLine.objects.exists()


def test_only_clients_start_chats_and_only_the_desk_picks_them_up(
    open_desk, client_profile, clinician, other_client_profile
):
    with pytest.raises(NotAllowed):
        chat_start(actor=clinician, text="help", client_message_id="a")
    chat, _, _ = _start(client_profile)
    for outsider in (clinician, other_client_profile.user):
        with pytest.raises(NotAllowed):
            chat_pick(actor=outsider, chat=chat)
        with pytest.raises(NotAllowed):
            chat_say(actor=outsider, chat=chat, text="hi", client_message_id="z")


def test_an_ended_chat_takes_no_more_lines(open_desk, client_profile, support_agent):
    chat = chat_pick(actor=support_agent, chat=_start(client_profile)[0])
    chat_end(actor=client_profile.user, chat=chat)
    with pytest.raises(Conflict):
        chat_say(actor=support_agent, chat=chat, text="still there?", client_message_id="q")
    # The client's next message starts a new chat.
    fresh, _, created = _start(client_profile, text="New problem", message_id="n")
    assert created and fresh.pk != chat.pk
    assert TicketEntry.objects.filter(ticket=chat.ticket, body__isnull=False).exists()
