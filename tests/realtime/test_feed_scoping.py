"""Live events about a client reach exactly the people who may see that client, audited."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async

from crisis.models import CrisisSource
from crisis.selectors import client_reachable_by
from crisis.services import crisis_acknowledge, crisis_open
from iop.accounts.models import Role
from iop.audit.models import AccessLog
from tests.conftest import sign_in
from tests.factories import StaffFactory
from tests.realtime.ws import QUIET_TIMEOUT, RECEIVE_TIMEOUT, open_feed

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def personas(
    client_profile,
    other_client_profile,
    clinician,
    other_clinician,
    supervisor,
    other_supervisor,
    support_agent,
    admin_user,
    program,
    other_program,
):
    other_on_call = StaffFactory(
        email="far.on.call@example.org",
        role=Role.CLINICIAN,
        profile__program=other_program,
        profile__on_call=True,
    )
    on_call = StaffFactory(
        email="on.call@example.org",
        role=Role.CLINICIAN,
        profile__program=program,
        profile__on_call=True,
    )
    return {
        "clinician": clinician,
        "other clinician": other_clinician,
        "on call": on_call,
        "other program's on call": other_on_call,
        "supervisor": supervisor,
        "other supervisor": other_supervisor,
        "support agent": support_agent,
        "admin": admin_user,
    }


def _received_by(personas: dict, act) -> dict[str, list[dict]]:
    """Open every persona's feed, run `act` (committed), and collect what each one received."""
    browsers = {name: sign_in(person) for name, person in personas.items()}

    async def scenario():
        feeds = {name: await open_feed(browser) for name, browser in browsers.items()}
        await database_sync_to_async(act)()
        received: dict[str, list[dict]] = {}
        for name, feed in feeds.items():
            got = []
            timeout = RECEIVE_TIMEOUT
            while not await feed.receive_nothing(timeout):
                got.append(await feed.receive_json_from())
                timeout = QUIET_TIMEOUT
            received[name] = got
            await feed.disconnect()
        return received

    return async_to_sync(scenario)()


def test_a_crisis_event_reaches_exactly_those_who_may_see_the_client(
    personas, client_profile, clinician
):
    event, _ = crisis_open(
        actor=client_profile.user, client=client_profile, source=CrisisSource.HELP_BUTTON
    )
    before = AccessLog.objects.filter(object_type="realtime.live_event").count()

    received = _received_by(personas, lambda: crisis_acknowledge(actor=clinician, event=event))

    heard = {
        name
        for name, got in received.items()
        if any(m["event"] == "crisis.acknowledged" for m in got)
    }
    may_see = {
        name for name, person in personas.items() if client_reachable_by(person, client_profile)
    }
    assert heard == may_see
    assert {"clinician", "on call", "supervisor", "admin"} <= heard
    assert received["support agent"] == []
    assert received["other supervisor"] == []
    assert received["other program's on call"] == []
    assert "other clinician" not in heard
    # One audit row per person told, naming the client.
    rows = AccessLog.objects.filter(object_type="realtime.live_event").order_by("pk")[before:]
    assert sorted(r.actor.email for r in rows) == sorted(personas[n].email for n in heard)
    assert {r.client_id for r in rows} == {client_profile.pk}


def test_support_agents_get_no_clinical_events_at_all(personas, client_profile, support_agent):
    def act():
        event, _ = crisis_open(
            actor=client_profile.user, client=client_profile, source=CrisisSource.HELP_BUTTON
        )
        crisis_acknowledge(actor=personas["clinician"], event=event)

    received = _received_by({"support agent": support_agent}, act)

    assert received["support agent"] == []
    assert not AccessLog.objects.filter(actor=support_agent).exists()
