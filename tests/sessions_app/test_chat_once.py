"""The session chat stores one tap once: the page's own message id is de-duplicated by Harbor,
over the socket (a double tap, a resend after a reconnect), from the staff reply form (a double
submit) and between two sends racing each other; every repeat is still acknowledged."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from iop.asgi import application
from sessions_app.models import ChatMessage
from sessions_app.services import chat_send
from tests.conftest import sign_in
from tests.realtime.ws import RECEIVE_TIMEOUT, feed_headers, open_feed
from tests.sessions_app.conftest import make_session

pytestmark = pytest.mark.django_db(transaction=True)

TAP = "a3f1c0de-0000-4000-8000-000000000001"
OTHER_TAP = "a3f1c0de-0000-4000-8000-000000000002"
# Sent last: everything the server sent for earlier lines reached the page before its echo.
SENTINEL = "a3f1c0de-0000-4000-8000-0000000000ff"


@pytest.fixture
def live_session(group):
    return make_session(group, starts_at=timezone.now() - timedelta(minutes=2), minutes=60)


async def _page(browser, session) -> WebsocketCommunicator:
    page = WebsocketCommunicator(
        application, f"/ws/sessions/{session.pk}/presence/", headers=feed_headers(browser)
    )
    accepted, code = await page.connect(timeout=RECEIVE_TIMEOUT)
    assert accepted, code
    assert (await page.receive_json_from(timeout=RECEIVE_TIMEOUT))["type"] == "connected"
    return page


def _chat(message_id: str, text: str) -> dict:
    return {"type": "chat", "id": message_id, "text": text}


async def _until(socket: WebsocketCommunicator, done: Callable[[list[dict]], bool]) -> list[dict]:
    """Everything the socket receives until `done` holds for what arrived so far."""
    received: list[dict] = []
    while not done(received):
        received.append(await socket.receive_json_from(timeout=RECEIVE_TIMEOUT))
    return received


def _acks(received: list[dict], message_id: str) -> list[dict]:
    return [m for m in received if m["type"] == "chat_stored" and m["id"] == message_id]


def _echoes(received: list[dict], message_id: str) -> list[dict]:
    return [
        m["payload"]
        for m in received
        if m["type"] == "chat" and m["payload"]["client_message_id"] == message_id
    ]


def _sentinel_back(received: list[dict]) -> bool:
    return bool(_acks(received, SENTINEL) and _echoes(received, SENTINEL))


def test_the_same_id_sent_twice_is_one_message_one_event_and_two_acks(
    client_profile, clinician, live_session
):
    staff, client = sign_in(clinician), sign_in(client_profile.user)

    async def scenario():
        feed = await open_feed(staff)
        page = await _page(client, live_session)
        await page.send_json_to(_chat(TAP, "My camera will not start."))
        await page.send_json_to(_chat(TAP, "My camera will not start."))
        await page.send_json_to(_chat(SENTINEL, "Still there?"))
        on_page = await _until(page, _sentinel_back)
        on_feed = await _until(
            feed,
            lambda got: any(
                m["event"] == "session.chat" and m["payload"]["client_message_id"] == SENTINEL
                for m in got
            ),
        )
        await page.disconnect()
        await feed.disconnect()
        return on_page, on_feed

    on_page, on_feed = async_to_sync(scenario)()

    stored = ChatMessage.objects.get(client_message_id=TAP)
    assert ChatMessage.objects.filter(session=live_session).count() == 2  # the tap and sentinel
    acks = _acks(on_page, TAP)
    assert [a["message_id"] for a in acks] == [stored.pk, stored.pk]
    echoes = _echoes(on_page, TAP)
    assert len(echoes) == 1 and echoes[0]["message_id"] == stored.pk
    heard = [
        m["payload"]
        for m in on_feed
        if m["event"] == "session.chat" and m["payload"]["client_message_id"] == TAP
    ]
    assert len(heard) == 1 and heard[0]["text"] == "My camera will not start."


def test_a_resend_after_a_reconnect_is_acknowledged_with_the_stored_message(
    client_profile, live_session
):
    client = sign_in(client_profile.user)

    async def scenario():
        first = await _page(client, live_session)
        await first.send_json_to(_chat(TAP, "Can you hear me?"))
        before = await _until(first, lambda got: bool(_acks(got, TAP)))
        # The socket drops; the page did not see the ack, so the new socket sends the line again.
        await first.disconnect()
        second = await _page(client, live_session)
        await second.send_json_to(_chat(TAP, "Can you hear me?"))
        await second.send_json_to(_chat(SENTINEL, "Hello?"))
        after = await _until(second, _sentinel_back)
        await second.disconnect()
        return before, after

    before, after = async_to_sync(scenario)()

    stored = ChatMessage.objects.get(session=live_session, client_message_id=TAP)
    assert ChatMessage.objects.filter(session=live_session).exclude(pk=stored.pk).count() == 1
    assert _acks(before, TAP)[0]["message_id"] == stored.pk
    assert [a["message_id"] for a in _acks(after, TAP)] == [stored.pk]
    assert _echoes(after, TAP) == []  # told once, on the first socket


def test_the_staff_reply_form_submitted_twice_stores_one_reply(
    client_profile, clinician, live_session
):
    chat_send(
        actor=client_profile.user,
        session=live_session,
        client=client_profile,
        text="I can only type.",
        client_message_id=TAP,
    )
    staff, client = sign_in(clinician), sign_in(client_profile.user)
    html = staff.get(f"/staff/sessions/{live_session.pk}/").content.decode()
    form_ids = re.findall(r'name="client_message_id" value="([^"]+)"', html)
    assert len(form_ids) == 1 and len(form_ids[0]) == 32
    reply_url = f"/staff/sessions/{live_session.pk}/chat/{client_profile.pk}/"
    form = {"text": "Typing is fine, I read along.", "client_message_id": form_ids[0]}

    async def scenario():
        page = await _page(client, live_session)
        post = database_sync_to_async(staff.post)
        statuses = [(await post(reply_url, form)).status_code for _ in range(2)]
        await page.send_json_to(_chat(SENTINEL, "Thanks"))
        on_page = await _until(page, _sentinel_back)
        await page.disconnect()
        return statuses, on_page

    statuses, on_page = async_to_sync(scenario)()

    assert statuses == [302, 302]
    replies = ChatMessage.objects.filter(session=live_session, sender=clinician)
    assert [(r.text, r.client_message_id) for r in replies] == [
        ("Typing is fine, I read along.", form_ids[0])
    ]
    echoes = _echoes(on_page, form_ids[0])
    assert len(echoes) == 1 and echoes[0]["from_client"] is False
    # A fresh render offers a fresh id: the next reply is a new message.
    again = staff.get(f"/staff/sessions/{live_session.pk}/").content.decode()
    assert form_ids[0] not in again


def test_an_overlong_id_is_refused_with_the_reason_and_nothing_is_stored(
    client_profile, live_session
):
    client = sign_in(client_profile.user)
    overlong = "x" * 65

    async def scenario():
        page = await _page(client, live_session)
        await page.send_json_to(_chat(overlong, "Hello"))
        reply = await page.receive_json_from(timeout=RECEIVE_TIMEOUT)
        await page.disconnect()
        return reply

    reply = async_to_sync(scenario)()

    assert reply == {
        "type": "error",
        "id": overlong,
        "message": "A message id is at most 64 characters.",
    }
    assert not ChatMessage.objects.exists()


@pytest.mark.parametrize(
    ("message_id", "reason"),
    [("x" * 65, "at most 64 characters"), ("tap\n1", "only printable characters")],
)
def test_the_service_names_the_message_id_field(client_profile, live_session, message_id, reason):
    with pytest.raises(ValidationError) as refused:
        chat_send(
            actor=client_profile.user,
            session=live_session,
            client=client_profile,
            text="Hello",
            client_message_id=message_id,
        )
    assert list(refused.value.message_dict) == ["client_message_id"]
    assert reason in refused.value.message_dict["client_message_id"][0]
    assert not ChatMessage.objects.exists()


def test_two_ids_with_the_same_text_are_two_messages(client_profile, live_session):
    client = sign_in(client_profile.user)

    async def scenario():
        page = await _page(client, live_session)
        await page.send_json_to(_chat(TAP, "Okay"))
        await page.send_json_to(_chat(OTHER_TAP, "Okay"))
        received = await _until(
            page,
            lambda got: all(_acks(got, i) and _echoes(got, i) for i in (TAP, OTHER_TAP)),
        )
        await page.disconnect()
        return received

    received = async_to_sync(scenario)()

    rows = list(ChatMessage.objects.filter(session=live_session))
    assert [(r.text, r.client_message_id) for r in rows] == [("Okay", TAP), ("Okay", OTHER_TAP)]
    assert [_acks(received, i)[0]["message_id"] for i in (TAP, OTHER_TAP)] == [r.pk for r in rows]


def _waiting_on_a_lock() -> bool:
    """Someone in this database waits on a lock (asked outside any transaction: the activity
    view is a snapshot taken once per transaction)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def test_two_sends_of_one_id_racing_store_one_row(client_profile, live_session) -> None:
    """The second insert waits on the first one's uncommitted row, then reads it: no error."""
    sent: dict[str, tuple[ChatMessage, bool]] = {}
    failed: list[BaseException] = []
    first_inserted, release = threading.Event(), threading.Event()

    def send(name: str) -> None:
        try:
            sent[name] = chat_send(
                actor=client_profile.user,
                session=live_session,
                client=client_profile,
                text="Are you there?",
                client_message_id=TAP,
            )
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            failed.append(error)

    def first() -> None:
        try:
            with transaction.atomic():  # the row stays uncommitted until the second one waits
                send("first")
                first_inserted.set()
                release.wait(10)
        finally:
            connection.close()

    def second() -> None:
        try:
            first_inserted.wait(10)
            send("second")
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    assert first_inserted.wait(10)
    deadline = time.monotonic() + 10
    while not (blocked := _waiting_on_a_lock()) and time.monotonic() < deadline:
        time.sleep(0.05)
    release.set()
    for thread in threads:
        thread.join(30)

    assert blocked, "the second send never waited on the first one's row"
    assert failed == []
    stored = ChatMessage.objects.get(session=live_session)
    assert sent["first"] == (stored, True)
    assert sent["second"] == (stored, False)
