"""Sockets obey session limits: idle, absolute, deactivation and sign-out close them."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import time_machine
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.conf import settings
from django.utils import timezone

from tests.conftest import sign_in
from tests.realtime.ws import RECEIVE_TIMEOUT, feed_headers, open_feed, try_connect

pytestmark = pytest.mark.django_db(transaction=True)

SIGNED_OUT, EXPIRED = 4401, 4408


def _browser(user):
    browser = sign_in(user)
    browser.get("/staff/")  # a request starts the session's clocks, as a real sign-in does
    return browser


async def _closed_with(feed) -> int:
    await feed.send_json_to({"type": "ping"})
    while True:
        output = await feed.receive_output(timeout=RECEIVE_TIMEOUT)
        if output["type"] == "websocket.close":
            return output["code"]


def _after(browser, moves: timedelta, change=None) -> int:
    async def scenario():
        feed = await open_feed(browser)
        with time_machine.travel(timezone.now() + moves, tick=True):
            if change is not None:
                await database_sync_to_async(change)()
            return await _closed_with(feed)

    return async_to_sync(scenario)()


def test_an_idle_session_closes_the_socket_as_expired(clinician):
    idle = timedelta(seconds=settings.SESSION_IDLE_SECONDS_STAFF + 5)

    assert _after(_browser(clinician), idle) == EXPIRED


def test_the_absolute_limit_closes_the_socket_even_when_active(clinician):
    browser = _browser(clinician)
    session = browser.session  # signed in almost the whole lifetime ago, active just now
    session["harbor_started"] = int(time.time()) - settings.SESSION_ABSOLUTE_SECONDS + 10
    session.save()

    assert _after(browser, timedelta(seconds=20)) == EXPIRED


def test_signing_out_elsewhere_closes_the_socket(clinician):
    browser = _browser(clinician)

    assert (
        _after(browser, timedelta(0), change=lambda: browser.post("/accounts/logout/"))
        == SIGNED_OUT
    )


def test_deactivation_closes_the_socket(clinician):
    def deactivate():
        clinician.is_active = False
        clinician.save(update_fields=["is_active"])

    assert _after(_browser(clinician), timedelta(0), change=deactivate) == SIGNED_OUT


def test_the_timer_closes_a_silent_socket(clinician, settings):
    settings.SOCKET_SESSION_CHECK_SECONDS = 0.1
    browser = _browser(clinician)

    async def scenario():
        feed = await open_feed(browser)
        await database_sync_to_async(browser.post)("/accounts/logout/")
        output = await feed.receive_output(timeout=RECEIVE_TIMEOUT)  # no ping: the timer notices
        return output

    assert async_to_sync(scenario)() == {"type": "websocket.close", "code": SIGNED_OUT}


def test_an_expired_session_cannot_connect(clinician):
    browser = _browser(clinician)

    async def scenario():
        with time_machine.travel(
            timezone.now() + timedelta(seconds=settings.SESSION_IDLE_SECONDS_STAFF + 5)
        ):
            _, accepted, code = await try_connect(feed_headers(browser))
        return accepted, code

    assert async_to_sync(scenario)() == (False, EXPIRED)


def test_an_active_session_keeps_its_socket(clinician):
    browser = _browser(clinician)

    async def scenario():
        feed = await open_feed(browser)
        await feed.send_json_to({"type": "ping"})
        reply = await feed.receive_json_from(timeout=RECEIVE_TIMEOUT)
        await feed.disconnect()
        return reply

    assert async_to_sync(scenario)() == {"event": "pong", "payload": {}}
