"""Who may open the staff live feed at /ws/staff/ (real ASGI stack, real Redis channel layer)."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django_otp import DEVICE_ID_SESSION_KEY

from iop.accounts.models import Role
from tests.conftest import sign_in
from tests.factories import StaffFactory, totp_device
from tests.realtime.ws import RECEIVE_TIMEOUT, feed_headers, open_feed, try_connect

pytestmark = pytest.mark.django_db(transaction=True)

REFUSED = 4403


def _outcome(headers) -> tuple[bool, object, dict | None]:
    """Connect once; return (accepted?, close code or subprotocol, first message if accepted)."""

    async def scenario():
        communicator, accepted, detail = await try_connect(headers)
        first = await communicator.receive_json_from(timeout=RECEIVE_TIMEOUT) if accepted else None
        await communicator.disconnect()
        return accepted, detail, first

    return async_to_sync(scenario)()


def test_verified_staff_connects_and_is_greeted(clinician):
    accepted, _, first = _outcome(feed_headers(sign_in(clinician)))

    assert accepted
    assert first["event"] == "feed.connected"
    # The clinician's own group and their program's group; not on call.
    assert first["payload"] == {"groups": 2}


def test_there_is_no_on_call_group_and_support_agents_join_only_their_own(program, support_agent):
    # Events about a client go to the people who may see the client, on call included, by
    # their own groups (tests/realtime/test_feed_scoping.py); no group spans programs.
    on_call = StaffFactory(role=Role.CLINICIAN, profile__program=program, profile__on_call=True)

    assert _outcome(feed_headers(sign_in(on_call)))[2]["payload"] == {"groups": 2}
    assert _outcome(feed_headers(sign_in(support_agent)))[2]["payload"] == {"groups": 1}


def test_staff_without_a_verified_second_factor_is_refused(clinician):
    accepted, code, _ = _outcome(feed_headers(sign_in(clinician, verified=False)))

    assert not accepted
    assert code == REFUSED


def test_someone_elses_device_in_the_session_does_not_count(clinician, other_clinician):
    browser = sign_in(clinician, verified=False)
    session = browser.session
    session[DEVICE_ID_SESSION_KEY] = totp_device(other_clinician).persistent_id
    session.save()

    accepted, code, _ = _outcome(feed_headers(browser))

    assert not accepted
    assert code == REFUSED


def test_a_client_is_refused(client_profile):
    # Even with a verified device in the session, a client never gets the staff feed.
    accepted, code, _ = _outcome(feed_headers(sign_in(client_profile.user, verified=True)))

    assert not accepted
    assert code == REFUSED


def test_anonymous_is_refused(db):
    accepted, code, _ = _outcome(feed_headers(None))

    assert not accepted
    assert code == REFUSED


def test_deactivated_staff_is_refused(clinician):
    browser = sign_in(clinician)
    clinician.is_active = False
    clinician.save(update_fields=["is_active"])

    accepted, code, _ = _outcome(feed_headers(browser))

    assert not accepted
    assert code == REFUSED


def test_a_foreign_origin_is_refused_even_for_verified_staff(clinician):
    browser = sign_in(clinician)

    accepted, _, _ = _outcome(feed_headers(browser, origin=b"http://evil.example"))

    assert not accepted
    # The same session from our own origin is accepted, so the Origin alone made the difference.
    assert _outcome(feed_headers(browser))[0]


def test_ping_is_answered(clinician):
    browser = sign_in(clinician)

    async def scenario():
        communicator = await open_feed(browser)
        await communicator.send_json_to({"type": "ping"})
        reply = await communicator.receive_json_from(timeout=RECEIVE_TIMEOUT)
        await communicator.disconnect()
        return reply

    assert async_to_sync(scenario)() == {"event": "pong", "payload": {}}
