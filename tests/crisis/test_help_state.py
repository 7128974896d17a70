"""After pressing help, the client sees where their request stands: alerted, then seen by a
named clinician with the time to expect them, then closed; on the page (which survives a
reload), over the JSON the page polls, and live on the client's own socket. "I pressed this by
mistake" reaches the responders but never stops the escalation."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from crisis.models import CrisisEvent, EscalationFiring, EventState, TimelineKind
from crisis.services import crisis_acknowledge, crisis_resolve, escalation_tick
from iop.asgi import application
from tests.conftest import sign_in
from tests.notify.conftest import purge_queues
from tests.realtime.ws import QUIET_TIMEOUT, RECEIVE_TIMEOUT, feed_headers, open_feed


def press_help(client_profile):
    browser = sign_in(client_profile.user)
    response = browser.post("/crisis/help/")
    assert response.status_code == 201
    return browser, CrisisEvent.objects.get(client=client_profile)


def name_clinician(clinician, full_name="Dana Reyes"):
    clinician.full_name = full_name
    clinician.save(update_fields=["full_name"])
    return clinician


@pytest.mark.django_db
def test_the_page_shows_alerted_then_seen_with_who_and_when_then_closed_and_survives_reloads(
    team, policy
):
    client, clinician = team["client"], name_clinician(team["primary"])
    browser, event = press_help(client)
    page = browser.get("/crisis/help/").content.decode()  # a reload: the state is still there
    assert 'data-state="alerted"' in page
    assert "We have alerted your care team" in page
    assert f'data-socket-path="/ws/crisis/help/{event.pk}/"' in page
    assert f'data-state-url="/crisis/events/{event.pk}/state/"' in page
    assert "I pressed this by mistake" in page
    # Any other client page leads back to it while it is open.
    portal = browser.get("/accounts/portal/").content.decode()
    assert 'id="open-request"' in portal and 'href="/crisis/help/"' in portal

    with time_machine.travel(timezone.now(), tick=False):
        crisis_acknowledge(actor=clinician, event=event)
        expected = timezone.now() + timedelta(minutes=15)
        state = browser.get(f"/crisis/events/{event.pk}/state/").json()
    assert state["state"] == "seen"
    assert state["headline"] == "A clinician has seen this and will contact you"
    assert state["who"] == "Dana, clinician"
    assert state["expected_by"] == expected.isoformat()
    assert "Dana, clinician will contact you by about" in state["detail"]
    assert state["open"] is True
    page = browser.get("/crisis/help/").content.decode()
    assert 'data-state="seen"' in page and "Dana, clinician" in page

    crisis_resolve(actor=clinician, event=event, disposition="de_escalated", note="Called back.")
    state = browser.get(f"/crisis/events/{event.pk}/state/").json()
    assert (state["state"], state["open"]) == ("closed", False)
    assert "Called back" not in str(state)  # staff notes are not the client's page
    assert 'id="open-request"' not in browser.get("/accounts/portal/").content.decode()


@pytest.mark.django_db
def test_the_state_is_the_clients_own(team, policy, other_client_profile, supervisor):
    _, event = press_help(team["client"])
    url = f"/crisis/events/{event.pk}/state/"
    assert sign_in(other_client_profile.user).get(url).status_code == 404
    assert sign_in(team["primary"]).get(url).status_code == 403
    assert sign_in(supervisor).get(url).status_code == 403
    mistake = f"/crisis/events/{event.pk}/mistake/"
    assert sign_in(other_client_profile.user).post(mistake, {"words": "x"}).status_code == 404
    assert not event.timeline.filter(data__mistake=True).exists()


@pytest.mark.django_db
def test_pressed_by_mistake_records_the_words_and_escalation_still_proceeds(team, policy):
    client = team["client"]
    with time_machine.travel(timezone.now(), tick=False) as clock:
        browser, event = press_help(client)
        escalation_tick()  # step 1: the primary clinician
        due = CrisisEvent.objects.get(pk=event.pk).next_step_due_at

        response = browser.post(
            f"/crisis/events/{event.pk}/mistake/", {"words": "My cat sat on the phone"}
        )
        assert response.status_code == 302 and response.url == "/crisis/help/"
        event.refresh_from_db()
        assert event.state == EventState.OPEN
        assert event.next_step_due_at == due  # the timer is untouched
        note = event.timeline.get(kind=TimelineKind.NOTE, data__mistake=True)
        assert "My cat sat on the phone" in note.text
        assert note.actor_id == client.user_id
        page = browser.get("/crisis/help/").content.decode()
        assert "You told us you pressed this by mistake" in page
        assert 'class="help-mistake-noted" hidden' not in page
        assert browser.get(f"/crisis/events/{event.pk}/state/").json()["mistake_noted"] is True

        # Nobody acknowledged: the next step fires as if nothing had been said.
        clock.shift(timedelta(minutes=5, seconds=1))
        escalation_tick()
    event.refresh_from_db()
    assert event.state == EventState.OPEN
    assert EscalationFiring.objects.filter(event=event).count() == 2
    assert team["on_call"].pk in event.notified_user_ids


@pytest.mark.django_db
def test_a_closed_request_cannot_be_called_a_mistake(team, policy):
    browser, event = press_help(team["client"])
    crisis_resolve(actor=team["primary"], event=event, disposition="de_escalated")
    response = browser.post(f"/crisis/events/{event.pk}/mistake/", {"words": "oops"}, follow=True)
    assert "already closed" in response.content.decode()
    assert not event.timeline.filter(data__mistake=True).exists()


@pytest.mark.django_db
def test_words_too_long_are_refused_and_nothing_is_saved(team, policy):
    browser, event = press_help(team["client"])
    response = browser.post(
        f"/crisis/events/{event.pk}/mistake/", {"words": "x" * 1001}, follow=True
    )
    assert "Keep it under 1000 characters" in response.content.decode()
    assert not event.timeline.filter(data__mistake=True).exists()


# -- live -----------------------------------------------------------------------------------------


async def help_socket(browser, event_id):
    communicator = WebsocketCommunicator(
        application, f"/ws/crisis/help/{event_id}/", headers=feed_headers(browser)
    )
    accepted, detail = await communicator.connect(timeout=RECEIVE_TIMEOUT)
    return communicator, accepted, detail


@pytest.mark.django_db(transaction=True)
def test_the_clients_socket_hears_each_change_and_responders_hear_the_mistake(team, policy):
    client, clinician = team["client"], name_clinician(team["primary"])
    browser, event = press_help(client)
    escalation_tick()
    staff = sign_in(clinician)

    async def scenario():
        page, accepted, detail = await help_socket(browser, event.pk)
        assert accepted, detail
        first = await page.receive_json_from(timeout=RECEIVE_TIMEOUT)
        assert (first["type"], first["state"]["state"]) == ("state", "alerted")
        feed = await open_feed(staff)

        said = await sync_to_async(browser.post)(
            f"/crisis/events/{event.pk}/mistake/", {"words": "sorry, pocket"}
        )
        assert said.status_code == 302
        update = await page.receive_json_from(timeout=RECEIVE_TIMEOUT)
        assert update["state"]["mistake_noted"] is True
        assert update["state"]["state"] == "alerted"  # still open: only staff close it
        told = await feed.receive_json_from(timeout=RECEIVE_TIMEOUT)
        assert told["event"] == "crisis.client_says"
        assert "mistake" in told["payload"]["title"]
        assert "pocket" not in str(told)  # the words stay on the timeline

        await sync_to_async(crisis_acknowledge)(actor=clinician, event=event)
        seen = await page.receive_json_from(timeout=RECEIVE_TIMEOUT)
        assert seen["state"]["state"] == "seen"
        assert seen["state"]["headline"] == "A clinician has seen this and will contact you"
        assert seen["state"]["who"] == "Dana, clinician"

        await sync_to_async(crisis_resolve)(
            actor=clinician, event=event, disposition="de_escalated"
        )
        closed = await page.receive_json_from(timeout=RECEIVE_TIMEOUT)
        assert closed["state"]["state"] == "closed"
        await page.disconnect()
        await feed.disconnect()

    try:
        async_to_sync(scenario)()
    finally:
        purge_queues()


@pytest.mark.django_db(transaction=True)
def test_only_the_events_own_client_may_open_its_socket(
    team, policy, other_client_profile, supervisor
):
    _, event = press_help(team["client"])
    others = [sign_in(other_client_profile.user), sign_in(team["primary"]), sign_in(supervisor)]

    async def scenario():
        outcomes = []
        for browser in [*others, None]:
            communicator = WebsocketCommunicator(
                application, f"/ws/crisis/help/{event.pk}/", headers=feed_headers(browser)
            )
            accepted, detail = await communicator.connect(timeout=RECEIVE_TIMEOUT)
            outcomes.append((accepted, detail))
            await communicator.disconnect(timeout=QUIET_TIMEOUT)
        return outcomes

    try:
        assert async_to_sync(scenario)() == [(False, 4403)] * 4
    finally:
        purge_queues()


@pytest.mark.parametrize(
    ("full_name", "preferred", "said"),
    [
        ("Dana Reyes", "", "Dana, clinician"),
        ("Dr. Riley Chen", "", "Dr. Chen, clinician"),
        ("dr Riley Chen", "", "dr Chen, clinician"),
        ("Dr. Riley Chen", "Riley", "Riley, clinician"),
        ("Cher", "", "Cher, clinician"),
    ],
)
def test_the_client_is_told_who_will_call_by_a_name_a_person_is_called(
    clinician, full_name, preferred, said
):
    from crisis.help_state import first_name_and_role

    clinician.full_name, clinician.preferred_name = full_name, preferred
    assert first_name_and_role(clinician) == said
