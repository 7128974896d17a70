"""SLA clocks through the services, with time moved by time-machine: deadlines in business
hours, pauses, reopening, a new priority, warnings at 80%, breaches escalating tier 1 → tier 2
(and at tier 2 to the support lead), and ticks racing each other."""

from __future__ import annotations

import threading
from datetime import UTC, timedelta

import pytest
import time_machine
from django.db import connections

from iop.notify.models import Channel, OutboundMessage
from support.models import SlaEvent, Ticket, TicketEntry, TicketPriority, TicketStatus
from support.services import (
    sla_tick,
    ticket_assign,
    ticket_close_tick,
    ticket_open,
    ticket_priority_set,
    ticket_reply,
    ticket_status_set,
)
from tests.support.conftest import ny

pytestmark = pytest.mark.django_db


def open_ticket(client_profile, **extra) -> Ticket:
    ticket, created = ticket_open(
        actor=client_profile.user,
        category="connection",
        subject="Video will not start",
        body="The page says my camera is blocked.",
        **extra,
    )
    assert created
    return ticket


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def feed_to(ticket: Ticket) -> set[int]:
    return set(
        OutboundMessage.objects.filter(about_id=str(ticket.pk), channel=Channel.FEED).values_list(
            "user_id", flat=True
        )
    )


def test_a_friday_afternoon_ticket_is_due_on_monday_morning(client_profile, policies):
    with time_machine.travel(ny(2026, 3, 6, 16, 30), tick=False):  # Friday
        ticket = open_ticket(client_profile)
    # normal: 2 h to first response, 16 h to resolution, in business hours
    assert ticket.priority == TicketPriority.NORMAL
    assert ticket.first_response_due_at == ny(2026, 3, 9, 10, 30)  # 30 min Fri + 1.5 h Mon
    assert ticket.resolution_due_at == ny(2026, 3, 11, 10, 30)  # 0.5 + 7 + 7 + 1.5 hours
    # the first response warns at 80% (96 min): 30 min Friday, 66 min Monday
    assert ticket.escalation_due_at == ny(2026, 3, 9, 10, 6)
    assert ticket.next_deadline_at == ticket.first_response_due_at
    assert ticket.sla_state == "on_track"


def test_a_holiday_and_the_dst_change_are_skipped(client_profile, policies):
    with time_machine.travel(ny(2026, 7, 2, 16, 0), tick=False):  # Thursday before 3 July
        ticket = open_ticket(client_profile)
    assert ticket.first_response_due_at == ny(2026, 7, 6, 10, 0)
    with time_machine.travel(ny(2026, 10, 30, 16, 0), tick=False):  # Friday before 1 Nov
        autumn = open_ticket(client_profile, session=None)
    assert autumn.first_response_due_at == ny(2026, 11, 2, 10, 0)


def test_the_tick_warns_at_80_percent_then_escalates_a_breach_to_tier_2(
    client_profile, policies, support_agent, specialist
):
    with time_machine.travel(ny(2026, 3, 3, 9, 0), tick=False) as clock:  # Tuesday
        ticket = open_ticket(client_profile)
        ticket_assign(actor=support_agent, ticket=ticket, assignee=support_agent)
        clock.move_to(ny(2026, 3, 3, 10, 35))
        assert sla_tick() == 0  # 95 of 120 minutes: not yet 80%
        clock.move_to(ny(2026, 3, 3, 10, 36))
        assert sla_tick() == 1
        warned = fresh(ticket)
        assert warned.sla_state == "warned" and warned.tier == 1
        assert feed_to(ticket) == {support_agent.pk}  # the assignee hears
        assert warned.escalation_due_at == ny(2026, 3, 3, 11, 0)

        clock.move_to(ny(2026, 3, 3, 11, 0, 1))
        assert sla_tick() == 1
    breached = fresh(ticket)
    assert breached.tier == 2 and breached.assignee == specialist
    assert breached.sla_state == "breached"
    event = SlaEvent.objects.get(ticket=ticket, kind="breach")
    assert (event.target, event.tier_before, event.tier_after) == ("first_response", 1, 2)
    assert event.escalated_to == specialist
    assert feed_to(ticket) == {support_agent.pk, specialist.pk}
    emails = OutboundMessage.objects.filter(about_id=str(ticket.pk), channel=Channel.EMAIL)
    assert {m.user_id for m in emails} == {support_agent.pk, specialist.pk}
    assert all("Video will not start" not in m.body for m in emails)  # no requester text
    shown = TicketEntry.objects.filter(ticket=ticket, kind="event").values_list("body", flat=True)
    assert any("SLA breach: first response" in text for text in shown)
    # the next thing due is the resolution warning (80% of 16 h: 7 h today, 5 h 48 tomorrow)
    assert breached.escalation_due_at == ny(2026, 3, 4, 15, 48)


def test_a_breach_at_tier_2_tells_the_support_lead(
    client_profile, policies, support_agent, specialist, lead
):
    with time_machine.travel(ny(2026, 3, 3, 9, 0), tick=False) as clock:
        ticket = open_ticket(client_profile)
        ticket_assign(actor=support_agent, ticket=ticket, assignee=specialist)
        Ticket.objects.filter(pk=ticket.pk).update(tier=2)
        clock.move_to(ny(2026, 3, 3, 11, 1))
        assert sla_tick() == 2  # the warning (quiet: the breach is due too) and the breach
    event = SlaEvent.objects.get(ticket=ticket, kind="breach")
    assert (event.tier_before, event.tier_after) == (2, 2)
    assert set(event.notified_user_ids) == {specialist.pk, lead.pk}
    warning = SlaEvent.objects.get(ticket=ticket, kind="warning")
    assert warning.notified_user_ids == []


def test_pending_pauses_the_clock_and_the_requesters_reply_resumes_it(
    client_profile, policies, support_agent
):
    with time_machine.travel(ny(2026, 3, 3, 9, 0), tick=False) as clock:
        ticket = open_ticket(client_profile)
        clock.move_to(ny(2026, 3, 3, 9, 30))
        ticket_reply(actor=support_agent, ticket=ticket, body="Which browser do you use?")
        ticket_status_set(actor=support_agent, ticket=ticket, status=TicketStatus.PENDING)
        paused = fresh(ticket)
        assert paused.sla_state == "paused" and paused.sla_spent == timedelta(minutes=30)
        assert paused.resolution_due_at is None and paused.escalation_due_at is None
        clock.move_to(ny(2026, 3, 10, 9, 0))  # a week later: the clock has not moved
        assert sla_tick() == 0
        ticket_reply(actor=client_profile.user, ticket=ticket, body="Firefox.")
        resumed = fresh(ticket)
    assert resumed.status == TicketStatus.OPEN
    assert resumed.sla_spent == timedelta(minutes=30)
    # 960 - 30 minutes of resolution left from Tuesday 09:00 a week later; next reply 4 h
    assert resumed.resolution_due_at == ny(2026, 3, 12, 10, 30)
    assert resumed.next_reply_due_at == ny(2026, 3, 10, 14, 0)
    assert resumed.sla_next_reply_cycle == 1


def test_on_hold_pauses_too_and_agents_reply_stops_next_reply(
    client_profile, policies, support_agent
):
    with time_machine.travel(ny(2026, 3, 3, 9, 0), tick=False) as clock:
        ticket = open_ticket(client_profile)
        ticket_reply(actor=support_agent, ticket=ticket, body="Looking into it.")
        ticket_reply(actor=client_profile.user, ticket=ticket, body="Thanks, any news?")
        assert fresh(ticket).next_reply_due_at == ny(2026, 3, 3, 14, 0)
        ticket_status_set(actor=support_agent, ticket=ticket, status=TicketStatus.ON_HOLD)
        assert fresh(ticket).next_reply_due_at is None
        clock.move_to(ny(2026, 3, 4, 9, 0))
        ticket_status_set(actor=support_agent, ticket=ticket, status=TicketStatus.OPEN)
        assert fresh(ticket).next_reply_due_at == ny(2026, 3, 4, 14, 0)
        ticket_reply(actor=support_agent, ticket=ticket, body="The provider fixed it.")
    answered = fresh(ticket)
    assert answered.next_reply_due_at is None and answered.sla_next_reply_mark is None


def test_a_new_priority_keeps_the_time_already_spent(client_profile, policies, support_agent):
    with time_machine.travel(ny(2026, 3, 3, 9, 0), tick=False) as clock:
        ticket = open_ticket(client_profile)  # normal: 120 min first response
        clock.move_to(ny(2026, 3, 3, 9, 20))
        ticket = ticket_priority_set(actor=support_agent, ticket=ticket, priority="urgent")
    assert ticket.sla_spent == timedelta(minutes=20)
    assert ticket.sla_first_response_minutes == 30
    assert ticket.first_response_due_at == ny(2026, 3, 3, 9, 30)  # 30 - 20 minutes left


def test_a_reopened_ticket_goes_on_from_the_time_it_had_spent(
    client_profile, policies, support_agent
):
    with time_machine.travel(ny(2026, 3, 3, 9, 0), tick=False) as clock:
        ticket = open_ticket(client_profile)
        clock.move_to(ny(2026, 3, 3, 10, 0))
        ticket_reply(actor=support_agent, ticket=ticket, body="Fixed: reload the page.")
        ticket_status_set(actor=support_agent, ticket=ticket, status=TicketStatus.SOLVED)
        solved = fresh(ticket)
        assert solved.resolution_spent == timedelta(hours=1)
        assert solved.resolution_due_at is None and solved.escalation_due_at is None
        # seven days of 24 hours (across the DST change: 11:00 on the wall clock)
        assert solved.close_due_at == ny(2026, 3, 3, 10, 0).astimezone(UTC) + timedelta(days=7)
        clock.move_to(ny(2026, 3, 5, 9, 0))
        ticket_reply(actor=client_profile.user, ticket=ticket, body="It broke again.")
    reopened = fresh(ticket)
    assert reopened.status == TicketStatus.OPEN and reopened.close_due_at is None
    assert reopened.sla_spent == timedelta(hours=1)
    assert reopened.resolution_due_at == ny(2026, 3, 9, 10, 0)  # 15 h left from Thursday 09:00
    assert reopened.first_response_due_at is None  # answered before


def test_a_breach_fires_once_even_after_reopening(
    client_profile, policies, support_agent, specialist
):
    with time_machine.travel(ny(2026, 3, 3, 9, 0), tick=False) as clock:
        ticket = open_ticket(client_profile, priority=None)
        ticket = ticket_priority_set(actor=support_agent, ticket=ticket, priority="urgent")
        clock.move_to(ny(2026, 3, 3, 14, 0))  # past 4 h resolution (with lunch)
        assert sla_tick() == 4  # first response and resolution, warning and breach each
        ticket_reply(actor=support_agent, ticket=ticket, body="Done.")
        ticket_status_set(actor=support_agent, ticket=ticket, status=TicketStatus.SOLVED)
        ticket_reply(actor=client_profile.user, ticket=ticket, body="Not quite.")
        clock.move_to(ny(2026, 3, 3, 16, 0))
        assert sla_tick() == 2  # only the new next-reply cycle: warning and breach
    kinds = list(SlaEvent.objects.filter(ticket=ticket).values_list("target", "kind", "cycle"))
    assert sorted(kinds) == sorted(
        [
            ("first_response", "warning", 0),
            ("first_response", "breach", 0),
            ("resolution", "warning", 0),
            ("resolution", "breach", 0),
            ("next_reply", "warning", 1),
            ("next_reply", "breach", 1),
        ]
    )


def test_a_solved_ticket_closes_itself_after_seven_days(client_profile, policies, support_agent):
    with time_machine.travel(ny(2026, 3, 3, 9, 0), tick=False) as clock:
        ticket = open_ticket(client_profile)
        ticket_status_set(actor=support_agent, ticket=ticket, status=TicketStatus.SOLVED)
        clock.move_to(ny(2026, 3, 10, 9, 59))  # 09:00 EST + 168 h is 10:00 EDT
        assert ticket_close_tick() == 0
        clock.move_to(ny(2026, 3, 10, 10, 0, 1))
        assert ticket_close_tick() == 1
        assert ticket_close_tick() == 0
    closed = fresh(ticket)
    assert closed.status == TicketStatus.CLOSED and closed.close_due_at is None


def test_without_a_policy_a_ticket_has_no_clock(client_profile, calendar):
    ticket = open_ticket(client_profile)
    assert ticket.sla_policy is None and ticket.escalation_due_at is None
    assert ticket.sla_state == ""
    assert sla_tick() == 0


def race(func, *, threads: int) -> list:
    barrier = threading.Barrier(threads)
    results: list = [None] * threads
    errors: list = []

    def run(index):
        try:
            barrier.wait()
            results[index] = func()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
def test_ticks_racing_each_other_escalate_each_breach_once(
    client_profile, other_client_profile, policies, support_agent, specialist
):
    from tests.notify.conftest import purge_queues

    try:
        with time_machine.travel(ny(2026, 3, 3, 9, 0), tick=False) as clock:
            tickets = [open_ticket(client_profile) for _ in range(6)]
            tickets += [open_ticket(other_client_profile) for _ in range(6)]
            for ticket in tickets:
                ticket_assign(actor=support_agent, ticket=ticket, assignee=support_agent)
            clock.move_to(ny(2026, 3, 3, 11, 1))  # every first response: warning and breach
            fired = race(lambda: sla_tick(batch=3), threads=4)
            assert sum(fired) == 2 * len(tickets)
            assert race(sla_tick, threads=2) == [0, 0]
        assert SlaEvent.objects.filter(kind="breach").count() == len(tickets)
        for ticket in tickets:
            row = fresh(ticket)
            assert row.tier == 2 and row.assignee == specialist
            escalations = TicketEntry.objects.filter(
                ticket=ticket, kind="event", body__isnull=False
            )
            assert sum("SLA breach" in e.body for e in escalations) == 1
        keys = list(OutboundMessage.objects.values_list("idempotency_key", flat=True))
        assert len(keys) == len(set(keys))
    finally:
        purge_queues()
