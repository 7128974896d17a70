"""The demo clinic's crisis data, and the click-through it is for: a demo client asks for help,
the on-call clinician is alerted, the supervisor next, and resolution leaves follow-ups."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from crisis.models import (
    CheckIn,
    CrisisSource,
    EscalationPolicy,
    FollowUp,
    LocalResource,
    OnCallShift,
    SafetyPlan,
)
from crisis.selectors import caseload_by_risk, on_call_now
from crisis.services import crisis_open, crisis_resolve, escalation_tick
from iop.accounts.models import ClientProfile, User
from iop.notify.models import OutboundMessage

pytestmark = pytest.mark.django_db


def test_seeding_twice_makes_the_crisis_demo_once_and_the_flow_works(settings):
    settings.DEBUG = True  # seed_demo refuses a production configuration
    call_command("seed_demo")
    call_command("seed_demo")
    # Two programs: the evening one (12 clients) and Harbor Day IOP (4), each with its own.
    assert EscalationPolicy.objects.count() == 2
    assert OnCallShift.objects.count() == 2
    assert LocalResource.objects.count() == 5
    assert SafetyPlan.objects.count() == 8 + 4
    assert CheckIn.objects.filter(instrument="phq9").count() == (12 + 4) * 6

    program = ClientProfile.objects.get(user__email="client1@demo.harbor").program
    riley = User.objects.get(email="clinician1@demo.harbor")
    sam = User.objects.get(email="supervisor@demo.harbor")
    assert on_call_now(program.pk) == [riley]
    assert caseload_by_risk(riley)[0].latest_risk is not None  # history to sort by

    client = ClientProfile.objects.get(user__email="client8@demo.harbor")  # Jordan's client
    now = timezone.now()
    with time_machine.travel(now, tick=False) as clock:
        event, _ = crisis_open(actor=client.user, client=client, source=CrisisSource.HELP_BUTTON)
        escalation_tick()
        clock.shift(timedelta(minutes=1, seconds=1))
        escalation_tick()
        assert riley.pk in event.__class__.objects.get(pk=event.pk).notified_user_ids  # on call
        clock.shift(timedelta(minutes=1, seconds=1))
        escalation_tick()
        event.refresh_from_db()
        assert sam.pk in event.notified_user_ids  # then the supervisor
        assert OutboundMessage.objects.filter(about_id=str(event.pk), user=sam).exists()
        crisis_resolve(actor=riley, event=event, disposition="de_escalated")
    assert FollowUp.objects.filter(event=event).count() == 3


def test_the_day_program_has_its_own_people_and_sees_nothing_of_the_evening_one(settings):
    settings.DEBUG = True  # seed_demo refuses a production configuration
    from crisis.selectors import client_reachable_by
    from iop.accounts.selectors import clients_visible_to

    call_command("seed_demo")
    day_supervisor = User.objects.get(email="day.supervisor@demo.harbor")
    day_clinician = User.objects.get(email="day.clinician1@demo.harbor")
    evening_client = ClientProfile.objects.get(user__email="client1@demo.harbor")
    day_client = ClientProfile.objects.get(user__email="day.client1@demo.harbor")

    assert day_client.program.name == "Harbor Day IOP"
    assert on_call_now(day_client.program_id) == [day_clinician]
    assert clients_visible_to(day_supervisor).count() == 4
    assert client_reachable_by(day_supervisor, day_client)
    assert not client_reachable_by(day_supervisor, evening_client)
    assert not client_reachable_by(User.objects.get(email="supervisor@demo.harbor"), day_client)


def test_the_demo_supervisor_sees_an_unacknowledged_crisis_at_once(settings):
    settings.DEBUG = True  # seed_demo refuses a production configuration
    import re

    from crisis.models import CrisisEvent
    from tests.conftest import sign_in

    call_command("seed_demo")
    call_command("seed_demo")
    asking = ClientProfile.objects.get(user__email="client12@demo.harbor")
    event = CrisisEvent.objects.get(client=asking)  # once, however often the demo is seeded
    sam = User.objects.get(email="supervisor@demo.harbor")
    assert not asking.care_team.filter(clinician=sam).exists()
    html = sign_in(sam).get("/staff/").content.decode()
    row = re.search(rf'<tr[^>]*data-event-id="{event.pk}">(.*?)</tr>', html, re.S)
    assert row and "UNACKNOWLEDGED" in row.group(1)
    day_supervisor = User.objects.get(email="day.supervisor@demo.harbor")
    assert (
        f'data-event-id="{event.pk}"' not in sign_in(day_supervisor).get("/staff/").content.decode()
    )
