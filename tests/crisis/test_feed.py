"""The live feed: crisis events reach the staff of the current step, and nobody else."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from asgiref.sync import async_to_sync, sync_to_async
from django.utils import timezone

from crisis.models import CrisisSource
from crisis.services import crisis_acknowledge, crisis_open, escalation_tick
from iop.accounts.models import Role
from tests.conftest import sign_in
from tests.factories import StaffFactory
from tests.notify.conftest import purge_queues
from tests.realtime.ws import QUIET_TIMEOUT, RECEIVE_TIMEOUT, open_feed

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _clean_queues():
    yield
    purge_queues()  # the after-commit hand-offs to workers that no test worker consumed


async def next_crisis_message(feed, timeout=RECEIVE_TIMEOUT):
    while True:
        message = await feed.receive_json_from(timeout=timeout)
        if message["event"].startswith("crisis."):
            return message


async def nothing_for(feed) -> bool:
    return await feed.receive_nothing(timeout=QUIET_TIMEOUT)


async def only_oversight_for(feed) -> list[dict]:
    """What a supervisor hears while a step alerts others: the dashboard's oversight notices
    (crisis.services.live), never the step's alert; returns them."""
    heard = []
    while not await feed.receive_nothing(timeout=QUIET_TIMEOUT):
        message = await feed.receive_json_from(timeout=RECEIVE_TIMEOUT)
        assert message["event"] == "crisis.oversight", message
        heard.append(message)
    return heard


def test_each_step_reaches_its_people_and_not_others(team, policy, other_clinician, support_agent):
    client = team["client"]

    def open_and_tick():
        event, _ = crisis_open(actor=client.user, client=client, source=CrisisSource.HELP_BUTTON)
        escalation_tick()
        return event

    def next_step():
        with time_machine.travel(timezone.now() + timedelta(minutes=5, seconds=1), tick=False):
            escalation_tick()

    browsers = {
        name: sign_in(person)
        for name, person in {
            "primary": team["primary"],
            "on_call": team["on_call"],
            "supervisor": team["supervisor"],
            "other": other_clinician,
            "support": support_agent,
        }.items()
    }

    async def scenario():
        feeds = {name: await open_feed(browser) for name, browser in browsers.items()}
        event = await sync_to_async(open_and_tick)()
        first = await next_crisis_message(feeds["primary"])
        assert first["event"] == "crisis.opened"
        assert first["payload"]["event_id"] == event.pk
        assert first["payload"]["url"] == f"/staff/crisis/{event.pk}/"
        assert "Casey C." in first["payload"]["title"]
        for name in ("on_call", "other", "support"):
            assert await nothing_for(feeds[name]), name
        # The supervisor is not alerted by step 1, but their dashboard follows it: the opening
        # and the step, as oversight notices.
        watched = await only_oversight_for(feeds["supervisor"])
        assert [m["payload"]["event_id"] for m in watched] == [event.pk, event.pk]

        await sync_to_async(next_step)()
        second = await next_crisis_message(feeds["on_call"])
        assert second["event"] == "crisis.escalated" and second["payload"]["event_id"] == event.pk
        for name in ("other", "support"):
            assert await nothing_for(feeds[name]), name
        assert len(await only_oversight_for(feeds["supervisor"])) == 1

        await sync_to_async(crisis_acknowledge)(actor=team["on_call"], event=event)
        for name in ("primary", "on_call"):
            done = await next_crisis_message(feeds[name])
            assert done["event"] == "crisis.acknowledged", name
        for feed in feeds.values():
            await feed.disconnect()

    async_to_sync(scenario)()


def test_the_rota_decides_who_hears_a_crisis_as_on_call(team, policy, program):
    # There is no on-call group any more: the rota is read when the event is sent, and the
    # clinician on shift hears the client's crisis; one off shift, outside the care team, does not.
    off_shift = StaffFactory(
        email="off.shift@example.org", role=Role.CLINICIAN, profile__program=program
    )
    event, _ = crisis_open(
        actor=team["client"].user, client=team["client"], source=CrisisSource.HELP_BUTTON
    )
    on_call, other = sign_in(team["on_call"]), sign_in(off_shift)

    async def scenario():
        heard, quiet = await open_feed(on_call), await open_feed(other)
        await sync_to_async(crisis_acknowledge)(actor=team["primary"], event=event)
        message = await next_crisis_message(heard)
        silent = await nothing_for(quiet)
        await heard.disconnect()
        await quiet.disconnect()
        return message, silent

    message, silent = async_to_sync(scenario)()
    assert message["event"] == "crisis.acknowledged"
    assert silent
