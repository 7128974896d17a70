"""The session page socket: join, heartbeat, leave and disconnect, and the facilitator's live feed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from iop.asgi import application
from sessions_app.models import Attendance, AttendanceEvent, Presence
from tests.conftest import sign_in
from tests.realtime.ws import RECEIVE_TIMEOUT, feed_headers, open_feed
from tests.sessions_app.conftest import make_session

pytestmark = pytest.mark.django_db(transaction=True)


def _path(session) -> str:
    return f"/ws/sessions/{session.pk}/presence/"


async def _page(browser, session) -> WebsocketCommunicator:
    page = WebsocketCommunicator(application, _path(session), headers=feed_headers(browser))
    accepted, code = await page.connect(timeout=RECEIVE_TIMEOUT)
    assert accepted, code
    assert (await page.receive_json_from(timeout=RECEIVE_TIMEOUT))["type"] == "connected"
    return page


async def _next_event(feed, event: str) -> dict:
    while True:
        message = await feed.receive_json_from(timeout=RECEIVE_TIMEOUT)
        if message["event"] == event:
            return message["payload"]


def test_join_heartbeat_leave_and_rejoin_reach_the_facilitator_live(
    client_profile, clinician, group
):
    session = make_session(group, starts_at=timezone.now() - timedelta(minutes=2), minutes=60)
    staff, client = sign_in(clinician), sign_in(client_profile.user)

    async def scenario():
        feed = await open_feed(staff)
        page = await _page(client, session)
        await page.send_json_to({"type": "join"})
        assert (await page.receive_json_from(timeout=RECEIVE_TIMEOUT))["type"] == "joined"
        joined = await _next_event(feed, "attendance.changed")
        await page.send_json_to({"type": "heartbeat"})
        assert (await page.receive_json_from(timeout=RECEIVE_TIMEOUT))["type"] == "ack"
        await page.send_json_to({"type": "leave"})
        assert (await page.receive_json_from(timeout=RECEIVE_TIMEOUT))["type"] == "left"
        left = await _next_event(feed, "attendance.changed")
        await page.send_json_to({"type": "join"})
        await page.receive_json_from(timeout=RECEIVE_TIMEOUT)
        rejoined = await _next_event(feed, "attendance.changed")
        assert rejoined["in_room"] is True
        await page.disconnect()  # the tab closes while in the room
        dropped = await _next_event(feed, "attendance.changed")
        await feed.disconnect()
        return joined, left, dropped

    joined, left, dropped = async_to_sync(scenario)()

    assert joined["client_id"] == client_profile.pk and joined["session_id"] == session.pk
    assert (joined["status"], joined["in_room"]) == ("present", True)
    assert left["in_room"] is False
    assert dropped["in_room"] is False and dropped["status"] == "technical_issue"
    kinds = list(AttendanceEvent.objects.filter(session=session).values_list("kind", flat=True))
    assert kinds == ["join", "leave", "rejoin", "disconnect"]
    assert not Presence.objects.get(session=session, client=client_profile).in_room


def test_a_client_not_expected_at_the_session_is_refused(other_client_profile, group):
    session = make_session(group, starts_at=timezone.now() - timedelta(minutes=2))
    headers = feed_headers(sign_in(other_client_profile.user))

    async def scenario():
        page = WebsocketCommunicator(application, _path(session), headers=headers)
        accepted, code = await page.connect(timeout=RECEIVE_TIMEOUT)
        return accepted, code

    assert async_to_sync(scenario)() == (False, 4403)
    assert not Attendance.objects.exists()


def test_staff_and_anonymous_are_refused(clinician, group, db):
    session = make_session(group, starts_at=timezone.now() - timedelta(minutes=2))

    async def scenario(headers):
        page = WebsocketCommunicator(application, _path(session), headers=headers)
        accepted, code = await page.connect(timeout=RECEIVE_TIMEOUT)
        return accepted, code

    assert async_to_sync(scenario)(feed_headers(sign_in(clinician))) == (False, 4403)
    assert async_to_sync(scenario)(feed_headers(None)) == (False, 4403)


def test_joining_before_the_room_opens_is_refused_with_a_message(client_profile, group):
    session = make_session(group, starts_at=timezone.now() + timedelta(hours=2))
    client = sign_in(client_profile.user)

    async def scenario():
        page = await _page(client, session)
        await page.send_json_to({"type": "join"})
        reply = await page.receive_json_from(timeout=RECEIVE_TIMEOUT)
        await page.disconnect()
        return reply

    reply = async_to_sync(scenario)()
    assert reply["type"] == "error" and "not open" in reply["message"]
    assert not AttendanceEvent.objects.exists()


def test_chat_from_the_client_reaches_the_facilitator_and_the_reply_reaches_the_page(
    client_profile, clinician, group
):
    session = make_session(group, starts_at=timezone.now() - timedelta(minutes=2))
    staff, client = sign_in(clinician), sign_in(client_profile.user)

    async def scenario():
        feed = await open_feed(staff)
        page = await _page(client, session)
        await page.send_json_to(
            {"type": "chat", "id": "tap-1", "text": "My camera will not start."}
        )
        # The ack to this socket and the echo to every page of the client, in either order.
        first, second = [await page.receive_json_from(timeout=RECEIVE_TIMEOUT) for _ in range(2)]
        echoed, acked = (first, second) if first["type"] == "chat" else (second, first)
        heard = await _next_event(feed, "session.chat")
        from channels.db import database_sync_to_async

        reply = await database_sync_to_async(staff.post)(
            f"/staff/sessions/{session.pk}/chat/{client_profile.pk}/",
            {"text": "Try the dial-in number."},
        )
        answer = await page.receive_json_from(timeout=RECEIVE_TIMEOUT)
        await page.disconnect()
        await feed.disconnect()
        return echoed, acked, heard, reply.status_code, answer

    echoed, acked, heard, status, answer = async_to_sync(scenario)()
    assert echoed["type"] == "chat" and echoed["payload"]["text"] == "My camera will not start."
    assert acked == {
        "type": "chat_stored",
        "id": "tap-1",
        "message_id": echoed["payload"]["message_id"],
    }
    assert heard["text"] == "My camera will not start." and heard["client_id"] == client_profile.pk
    assert status == 302
    assert (
        answer["payload"]["text"] == "Try the dial-in number."
        and answer["payload"]["from_client"] is False
    )
