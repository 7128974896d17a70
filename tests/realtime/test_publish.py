"""publish() fans committed events out to the right staff, and never breaks the caller."""

from __future__ import annotations

import logging
import time

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.db import transaction

from iop.realtime.publish import publish
from tests.conftest import sign_in
from tests.realtime.ws import QUIET_TIMEOUT, RECEIVE_TIMEOUT, open_feed, publish_committed
from tests.servers import closed_port, silent_port

pytestmark = pytest.mark.django_db(transaction=True)


def _deliveries(people, event: str, payload: dict, **targets) -> dict:
    """Connect each person's feed, publish once (committed), and return what each received."""
    browsers = {person.pk: sign_in(person) for person in people}

    async def scenario():
        feeds = {pk: await open_feed(browser) for pk, browser in browsers.items()}
        await database_sync_to_async(publish_committed)(event, payload, **targets)
        received = {}
        for pk, feed in feeds.items():
            # The first feed waits for the round trip; the rest have had the same time.
            timeout = RECEIVE_TIMEOUT if not received else QUIET_TIMEOUT
            received[pk] = (
                None if await feed.receive_nothing(timeout) else await feed.receive_json_from()
            )
        for feed in feeds.values():
            await feed.disconnect()
        return received

    return async_to_sync(scenario)()


def _assert_event(message, event: str, payload: dict) -> None:
    assert message is not None, f"{event} did not arrive"
    assert message["event"] == event
    assert message["payload"] == payload
    assert len(message["id"]) == 32
    assert message["at"]


def test_event_for_a_user_reaches_them_and_no_one_else(clinician, other_clinician, supervisor):
    payload = {"title": "Casey checked in", "client": 7}

    received = _deliveries(
        [clinician, other_clinician, supervisor],
        "checkin.submitted",
        payload,
        user_ids=[clinician.pk],
    )

    _assert_event(received[clinician.pk], "checkin.submitted", payload)
    assert received[other_clinician.pk] is None
    assert received[supervisor.pk] is None


def test_event_for_a_program_reaches_its_staff_only(
    clinician, supervisor, other_supervisor, program
):
    payload = {"title": "Group 3 starts in 10 minutes"}

    received = _deliveries(
        [clinician, supervisor, other_supervisor],
        "session.starting",
        payload,
        program_id=program.pk,
    )

    _assert_event(received[clinician.pk], "session.starting", payload)
    _assert_event(received[supervisor.pk], "session.starting", payload)
    assert received[other_supervisor.pk] is None


def test_a_program_notice_naming_a_client_is_refused(program):
    # Program-wide notices reach every clinician of the program: one naming a client must go
    # through publish_about_client (tests/realtime/test_feed_scoping.py).
    with pytest.raises(ValueError, match="publish_about_client"):
        publish("notify.opt_out", {"client_id": 7}, program_id=program.pk)


def test_a_program_notice_does_not_reach_support_agents(clinician, support_agent, program):
    payload = {"title": "Group 3 starts in 10 minutes"}

    received = _deliveries(
        [clinician, support_agent], "session.starting", payload, program_id=program.pk
    )

    _assert_event(received[clinician.pk], "session.starting", payload)
    assert received[support_agent.pk] is None


def test_a_user_targeted_twice_gets_the_event_once(clinician):
    browser = sign_in(clinician)
    payload = {"title": "once"}

    async def scenario():
        feed = await open_feed(browser)
        await database_sync_to_async(publish_committed)(
            "note", payload, user_ids=[clinician.pk, clinician.pk]
        )
        first = await feed.receive_json_from(timeout=RECEIVE_TIMEOUT)
        again = not await feed.receive_nothing(QUIET_TIMEOUT)
        await feed.disconnect()
        return first, again

    first, again = async_to_sync(scenario)()

    _assert_event(first, "note", payload)
    assert not again


def test_nothing_is_sent_when_the_transaction_rolls_back(clinician):
    browser = sign_in(clinician)

    def publish_then_fail():
        with pytest.raises(RuntimeError), transaction.atomic():
            publish("crisis.raised", {"title": "never"}, user_ids=[clinician.pk])
            raise RuntimeError("the service failed after publishing")

    async def scenario():
        feed = await open_feed(browser)
        await database_sync_to_async(publish_then_fail)()
        quiet = await feed.receive_nothing(QUIET_TIMEOUT)
        await feed.disconnect()
        return quiet

    assert async_to_sync(scenario)()


def test_nothing_is_sent_before_commit(clinician):
    browser = sign_in(clinician)

    def publish_and_listen_before_commit(feed) -> bool:
        with transaction.atomic():
            publish("note", {"title": "later"}, user_ids=[clinician.pk])
            return not async_to_sync(feed.receive_nothing)(QUIET_TIMEOUT)

    async def scenario():
        feed = await open_feed(browser)
        early = await database_sync_to_async(publish_and_listen_before_commit)(feed)
        late = await feed.receive_json_from(timeout=RECEIVE_TIMEOUT)
        await feed.disconnect()
        return early, late

    early, late = async_to_sync(scenario)()

    assert not early
    _assert_event(late, "note", {"title": "later"})


def _layer_at(port: int) -> dict:
    return {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [f"redis://127.0.0.1:{port}/0"]},
        }
    }


def test_publish_with_redis_unreachable_does_not_raise(clinician, settings, caplog):
    with closed_port() as port:
        settings.CHANNEL_LAYERS = _layer_at(port)
        started = time.monotonic()
        with caplog.at_level(logging.ERROR, logger="iop.realtime.publish"):
            publish_committed("crisis.raised", {"title": "Redis is down"}, user_ids=[clinician.pk])
        elapsed = time.monotonic() - started

    assert "live feed publish of crisis.raised failed" in caplog.text
    # A dead Redis must not hold up the request that committed the row.
    assert elapsed < 2


def test_publish_with_redis_hanging_does_not_hold_up_the_caller(
    clinician, program, settings, caplog
):
    # Redis accepts the connection and never answers (overloaded, or a half-open network path).
    with silent_port() as port:
        settings.CHANNEL_LAYERS = _layer_at(port)
        started = time.monotonic()
        with caplog.at_level(logging.ERROR, logger="iop.realtime.publish"):
            publish_committed(
                "crisis.raised",
                {"title": "Redis hangs"},
                user_ids=[clinician.pk],
                program_id=program.pk,
            )
        elapsed = time.monotonic() - started

    assert "live feed publish of crisis.raised failed" in caplog.text
    # The crisis response is sent after this returns (DESIGN invariant 1): seconds matter.
    assert elapsed < 2


def test_the_feed_channel_with_redis_hanging_fails_fast_and_retriably(clinician, settings):
    """The outbox's live-feed channel sends through the same bounded `deliver`."""
    from iop.notify.backends.base import ProviderError
    from iop.notify.backends.feed import send_feed

    with silent_port() as port:
        settings.CHANNEL_LAYERS = _layer_at(port)
        started = time.monotonic()
        with pytest.raises(ProviderError) as error:
            send_feed(user_id=clinician.pk, event="note", body="Redis hangs", payload={})
        elapsed = time.monotonic() - started

    assert error.value.permanent is False, "the outbox retries it later"
    assert elapsed < 2


def test_a_client_page_update_with_redis_hanging_does_not_hold_up_the_caller(
    settings, caplog, django_capture_on_commit_callbacks
):
    from sessions_app.live import to_client_page

    with silent_port() as port:
        settings.CHANNEL_LAYERS = _layer_at(port)
        started = time.monotonic()
        with (
            caplog.at_level(logging.ERROR, logger="sessions_app.live"),
            django_capture_on_commit_callbacks(execute=True),
        ):
            to_client_page(1, 2, {"event": "presence"})
        elapsed = time.monotonic() - started

    assert "could not reach the session page of client 2" in caplog.text
    assert elapsed < 2
