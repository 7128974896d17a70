"""Ticket services: opening and joining, replies from any channel, status rules, assignment,
escalation, canned replies, ratings, and bad input (a specific error, nothing saved)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from iop.audit.models import AccessLog
from iop.domain import Conflict, NotAllowed
from iop.notify.models import Channel, OutboundMessage
from sessions_app.services import tech_check_record
from support.models import Macro, Ticket, TicketEntry, TicketRating, TicketStatus
from support.services import (
    macro_save,
    ticket_assign,
    ticket_escalate,
    ticket_macro_apply,
    ticket_open,
    ticket_rate,
    ticket_reply,
    ticket_status_set,
)
from tests.sessions_app.conftest import make_session

pytestmark = pytest.mark.django_db


def open_ticket(client_profile, **extra) -> Ticket:
    ticket, _ = ticket_open(
        actor=client_profile.user,
        category=extra.pop("category", "audio_video"),
        subject=extra.pop("subject", "No sound"),
        body=extra.pop("body", "Nobody can hear me."),
        **extra,
    )
    return ticket


def test_a_ticket_carries_the_latest_tech_check_and_is_audited(client_profile, policies):
    tech_check_record(
        actor=client_profile.user,
        client=client_profile,
        camera="denied",
        microphone="granted",
        webrtc=True,
        download_mbps=0.8,
        user_agent="Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
    )
    ticket = open_ticket(client_profile)
    snap = ticket.tech_snapshot
    assert snap["camera"] == "denied" and snap["download_mbps"] == 0.8 and not snap["passed"]
    assert snap["browser"] == "Safari 17" and snap["device"] == "iPad (tablet)"
    assert any("Camera" in p for p in snap["problems"])
    assert ticket.client == client_profile and ticket.program == client_profile.program
    assert AccessLog.objects.filter(
        client=client_profile, action="create", object_type="support.Ticket"
    ).exists()
    opening = ticket.entries.get()
    assert opening.kind == "reply" and opening.from_requester and opening.channel == "portal"


def test_a_session_starting_within_30_minutes_makes_it_urgent(client_profile, group, policies):
    soon = make_session(group, starts_at=timezone.now() + timedelta(minutes=25))
    later = make_session(group, starts_at=timezone.now() + timedelta(hours=5))
    assert open_ticket(client_profile, session=soon).priority == "urgent"
    assert open_ticket(client_profile, session=later).priority == "normal"
    assert open_ticket(client_profile).priority == "normal"


def test_a_second_request_about_the_same_session_joins_the_open_ticket(
    client_profile, group, policies
):
    session = make_session(group, starts_at=timezone.now() + timedelta(minutes=10))
    first = open_ticket(client_profile, session=session)
    again, created = ticket_open(
        actor=client_profile.user,
        category="connection",
        subject="Still no video",
        body="Still nothing.",
        session=session,
    )
    assert not created and again.pk == first.pk
    assert Ticket.objects.count() == 1
    assert list(first.entries.values_list("body", flat=True)) == [
        "Nobody can hear me.",
        "Still nothing.",
    ]


def test_a_client_cannot_name_a_session_that_is_not_theirs(client_profile, other_group, policies):
    theirs = make_session(other_group)
    with pytest.raises(ValidationError) as error:
        open_ticket(client_profile, session=theirs)
    assert "session" in error.value.message_dict
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("category", "printer", "Choose one of"),
        ("subject", "   ", "Say in a few words"),
        ("body", "", "Tell us what happened"),
        ("body", "x" * 10_000, "under 5,000 characters"),
        ("subject", "x" * 201, "under 200 characters"),
    ],
)
def test_bad_input_to_open_is_a_specific_error_and_saves_nothing(
    client_profile, policies, field, value, message
):
    with pytest.raises(ValidationError) as error:
        open_ticket(client_profile, **{field: value})
    assert message in " ".join(error.value.message_dict[field])
    assert not Ticket.objects.exists() and not TicketEntry.objects.exists()


def test_a_client_cannot_set_priority_or_open_for_someone_else(
    client_profile, other_client_profile, policies
):
    with pytest.raises(ValidationError) as error:
        open_ticket(client_profile, priority="urgent")
    assert "priority" in error.value.message_dict
    with pytest.raises(NotAllowed):
        open_ticket(client_profile, requester=other_client_profile.user)
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("body", "message"), [("", "Write a message first."), ("y" * 10_000, "under 5,000")]
)
def test_bad_replies_are_refused_and_save_nothing(client_profile, policies, body, message):
    ticket = open_ticket(client_profile)
    with pytest.raises(ValidationError) as error:
        ticket_reply(actor=client_profile.user, ticket=ticket, body=body)
    assert message in " ".join(error.value.message_dict["body"])
    assert ticket.entries.count() == 1


def test_a_closed_ticket_takes_no_reply(client_profile, policies, support_agent):
    ticket = open_ticket(client_profile)
    ticket_status_set(actor=support_agent, ticket=ticket, status=TicketStatus.CLOSED)
    with pytest.raises(Conflict, match="closed"):
        ticket_reply(actor=client_profile.user, ticket=ticket, body="Hello?")
    with pytest.raises(Conflict, match="final"):
        ticket_status_set(actor=support_agent, ticket=ticket, status=TicketStatus.OPEN)
    assert ticket.entries.filter(kind="reply").count() == 1


def test_an_agent_cannot_set_a_status_that_does_not_exist(client_profile, policies, support_agent):
    ticket = open_ticket(client_profile)
    with pytest.raises(ValidationError) as error:
        ticket_status_set(actor=support_agent, ticket=ticket, status="fixed-ish")
    assert "status" in error.value.message_dict
    with pytest.raises(ValidationError):
        ticket_status_set(actor=support_agent, ticket=ticket, status="new")
    assert Ticket.objects.get(pk=ticket.pk).status == "new"


def test_the_requester_may_only_mark_it_solved(client_profile, policies):
    ticket = open_ticket(client_profile)
    with pytest.raises(NotAllowed):
        ticket_status_set(actor=client_profile.user, ticket=ticket, status="on_hold")
    solved = ticket_status_set(actor=client_profile.user, ticket=ticket, status="solved")
    assert solved.status == "solved"


def test_someone_else_cannot_reply_or_work_a_ticket(
    client_profile, other_client_profile, clinician, policies
):
    ticket = open_ticket(client_profile)
    for outsider in (other_client_profile.user, clinician):
        with pytest.raises(NotAllowed):
            ticket_reply(actor=outsider, ticket=ticket, body="Hi")
        with pytest.raises(NotAllowed):
            ticket_status_set(actor=outsider, ticket=ticket, status="solved")
    assert ticket.entries.count() == 1


def test_internal_notes_are_the_desks(client_profile, policies, support_agent):
    ticket = open_ticket(client_profile)
    with pytest.raises(ValidationError) as error:
        ticket_reply(actor=client_profile.user, ticket=ticket, body="psst", internal=True)
    assert "internal" in error.value.message_dict
    note, _ = ticket_reply(actor=support_agent, ticket=ticket, body="Known issue", internal=True)
    assert note.kind == "note"
    ticket.refresh_from_db()
    assert ticket.first_responded_at is None  # a note is not an answer
    assert not OutboundMessage.objects.filter(user=client_profile.user).exists()


def test_the_desks_reply_answers_assigns_and_emails_the_requester_without_content(
    client_profile, policies, support_agent
):
    ticket = open_ticket(client_profile)
    reply, _ = ticket_reply(actor=support_agent, ticket=ticket, body="Try headphones, please.")
    ticket.refresh_from_db()
    assert ticket.status == "open" and ticket.assignee == support_agent
    assert ticket.first_responded_at is not None and reply.channel == "agent"
    email = OutboundMessage.objects.get(user=client_profile.user, channel=Channel.EMAIL)
    assert "headphones" not in email.body and f"/support/tickets/{ticket.pk}/" in email.body


def test_a_message_sent_twice_with_its_id_is_stored_once(client_profile, policies):
    ticket = open_ticket(client_profile)
    first, created = ticket_reply(
        actor=client_profile.user,
        ticket=ticket,
        body="hello",
        channel="chat",
        client_message_id="m-1",
    )
    again, created_again = ticket_reply(
        actor=client_profile.user,
        ticket=ticket,
        body="hello",
        channel="chat",
        client_message_id="m-1",
    )
    assert created and not created_again and first.pk == again.pk
    assert ticket.entries.filter(client_message_id="m-1").count() == 1
    assert first.channel == "chat"


def test_tier_2_tickets_go_to_specialists(client_profile, policies, support_agent, specialist):
    ticket = open_ticket(client_profile)
    ticket_assign(actor=support_agent, ticket=ticket, assignee=support_agent)
    escalated = ticket_escalate(actor=support_agent, ticket=ticket, reason="Needs logs")
    assert escalated.tier == 2 and escalated.assignee == specialist
    with pytest.raises(ValidationError):
        ticket_assign(actor=specialist, ticket=ticket, assignee=support_agent)
    with pytest.raises(Conflict):
        ticket_escalate(actor=support_agent, ticket=ticket)
    told = OutboundMessage.objects.filter(about_id=str(ticket.pk), channel=Channel.FEED)
    assert set(told.values_list("user_id", flat=True)) == {specialist.pk}


def test_a_clinician_cannot_assign_or_be_assigned(
    client_profile, policies, clinician, support_agent
):
    ticket = open_ticket(client_profile)
    with pytest.raises(NotAllowed):
        ticket_assign(actor=clinician, ticket=ticket, assignee=support_agent)
    with pytest.raises(ValidationError):
        ticket_assign(actor=support_agent, ticket=ticket, assignee=clinician)


def test_a_canned_reply_fills_in_names_and_sets_its_status(
    client_profile, policies, support_agent, admin_user
):
    macro = macro_save(
        actor=admin_user,
        name="Screenshot",
        body="Hi {first_name}, a screenshot of ticket {ticket}, please. – {agent}",
        status="pending",
    )
    ticket = open_ticket(client_profile)
    entry = ticket_macro_apply(actor=support_agent, ticket=ticket, macro=macro)
    assert (
        entry.body
        == f"Hi Casey, a screenshot of ticket #{ticket.pk}, please. – {support_agent.display_name}"
    )
    assert Ticket.objects.get(pk=ticket.pk).status == "pending"


def test_a_canned_reply_with_an_unknown_placeholder_is_refused(admin_user, support_agent):
    with pytest.raises(ValidationError) as error:
        macro_save(actor=admin_user, name="Bad", body="Hi {client_full_name}")
    assert "client_full_name" in error.value.message_dict["body"][0]
    with pytest.raises(NotAllowed):
        macro_save(actor=support_agent, name="Mine", body="Hi")
    assert not Macro.objects.exists()


def test_a_solved_ticket_is_rated_once_by_its_requester(client_profile, policies, support_agent):
    ticket = open_ticket(client_profile)
    with pytest.raises(Conflict):
        ticket_rate(actor=client_profile.user, ticket=ticket, score=5)
    ticket_status_set(actor=support_agent, ticket=ticket, status="solved")
    with pytest.raises(NotAllowed):
        ticket_rate(actor=support_agent, ticket=ticket, score=1)
    for bad in (0, 6, "5", True):
        with pytest.raises(ValidationError):
            ticket_rate(actor=client_profile.user, ticket=ticket, score=bad)
    rating = ticket_rate(actor=client_profile.user, ticket=ticket, score=4, comment="Quick.")
    assert rating.score == 4
    with pytest.raises(Conflict, match="already"):
        ticket_rate(actor=client_profile.user, ticket=ticket, score=5)
    assert TicketRating.objects.count() == 1
