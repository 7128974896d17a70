"""The demo clinic's tickets: a queue with live clocks, and the click-through it is for: the
SLA tick escalates the breached ticket to support2, a demo client's "I can't connect" opens a
ticket support1 sees, and client1's chat from the demo's open session is answered at any hour."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from iop.accounts.models import ClientProfile, User
from sessions_app.selectors import client_upcoming
from support.models import (
    ChatStatus,
    Macro,
    SlaPolicy,
    SupportCalendar,
    Ticket,
    TicketPriority,
)
from support.services import (
    chat_pick,
    chat_say,
    chat_start,
    sla_tick,
    ticket_open_for_trouble,
)
from tests.conftest import sign_in
from tests.support.conftest import ny

pytestmark = pytest.mark.django_db


def test_seeding_twice_makes_one_queue_and_the_tick_escalates_the_breached_ticket(settings):
    settings.DEBUG = True  # seed_demo refuses a production configuration
    call_command("seed_demo")
    call_command("seed_demo")
    assert SupportCalendar.objects.count() == 2 and SlaPolicy.objects.count() == 4
    assert Macro.objects.count() == 4
    assert Ticket.objects.count() == 7 + 1  # the evening program's queue and one in the day one
    support1 = User.objects.get(email="support1@demo.harbor")
    support2 = User.objects.get(email="support2@demo.harbor")
    urgent = [t for t in Ticket.objects.filter(priority="urgent") if t.subject.startswith("Video")]
    assert len(urgent) == 1 and urgent[0].assignee == support1 and urgent[0].tier == 1

    assert sla_tick() >= 2  # its warning and breach (and the other urgent one's warning)
    escalated = Ticket.objects.get(pk=urgent[0].pk)
    assert escalated.tier == 2 and escalated.assignee == support2
    assert escalated.sla_state == "breached"

    page = sign_in(support1).get("/staff/support/").content.decode()
    assert "Video won&#x27;t start" in page and "sla-breached" in page
    assert "Two-step code not arriving" in page  # pending: in the queue, clock paused

    client = ClientProfile.objects.get(user__email="client9@demo.harbor")
    coming = client_upcoming(client, now=timezone.now() - timedelta(hours=2), days=3)
    assert coming, "the demo has sessions for its clients"
    offer = ticket_open_for_trouble(actor=client.user, session=coming[0], client=client)
    ticket = Ticket.objects.get(requester=client.user, session=coming[0])
    assert offer.url == f"/support/tickets/{ticket.pk}/"
    assert f"#{ticket.pk}" in sign_in(support1).get("/staff/support/").content.decode()


def _under_way(client: ClientProfile):
    now = timezone.now()
    return [s for s in client_upcoming(client, now=now, days=1) if s.starts_at <= now < s.ends_at]


@pytest.mark.parametrize(
    "when",
    [ny(2026, 12, 6, 3, 10), ny(2026, 12, 2, 10, 40)],
    ids=["Sunday night, desk closed", "Wednesday morning, desk open"],
)
def test_client1_cant_connect_and_chats_and_support1_answers_at_any_hour(settings, when):
    settings.DEBUG = True
    with time_machine.travel(when) as traveller:
        call_command("seed_demo")
        sla_tick()
        client1 = ClientProfile.objects.get(user__email="client1@demo.harbor")
        support1 = User.objects.get(email="support1@demo.harbor")
        support2 = User.objects.get(email="support2@demo.harbor")
        (session,) = _under_way(client1)

        ticket_open_for_trouble(actor=client1.user, session=session, client=client1)
        ticket = Ticket.objects.get(requester=client1.user, session=session)
        chat, _, _ = chat_start(actor=client1.user, text="My video is black", session=session)
        assert chat.status == ChatStatus.WAITING and chat.priority == TicketPriority.URGENT

        chat = chat_pick(actor=support1, chat=chat)
        chat_say(actor=support1, chat=chat, text="Let's fix that", client_message_id="a-1")
        ticket.refresh_from_db()
        assert chat.ticket_id == ticket.pk and ticket.assignee == support1 and ticket.tier == 1
        assert ticket.first_responded_at is not None
        # The breached one is another ticket of client1's, with tier 2.
        (breached,) = [t for t in Ticket.objects.all() if t.subject.startswith("Video")]
        assert breached.pk != ticket.pk and breached.tier == 2 and breached.assignee == support2

        # `make run` again after the open session has ended: a fresh one, under way.
        traveller.shift(timedelta(hours=2))
        assert _under_way(client1) == []
        call_command("seed_demo")
        (fresh,) = _under_way(client1)
        assert fresh.pk != session.pk and fresh.ends_at - timezone.now() >= timedelta(hours=1)
