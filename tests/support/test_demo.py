"""The demo clinic's tickets: a queue with live clocks, and the click-through it is for: the
SLA tick escalates the breached ticket to support2, a demo client's "I can't connect" opens a
ticket support1 sees."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from iop.accounts.models import ClientProfile, User
from sessions_app.selectors import client_upcoming
from support.models import Macro, SlaPolicy, SupportCalendar, Ticket
from support.services import sla_tick, ticket_open_for_trouble
from tests.conftest import sign_in

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
