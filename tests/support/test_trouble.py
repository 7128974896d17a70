""" "I can't connect" on a session page opens (or joins) an urgent ticket about that session
with the tech check attached; the facilitator is told (sessions) and, on the staff session
page, sees only that the client reported a connection problem."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sessions_app.models import Attendance
from sessions_app.services import (
    tech_check_record,
    trouble_handler_register,
    trouble_handler_unregister,
)
from support.models import Ticket, TicketEntry
from support.services import ticket_open_for_trouble, ticket_reply
from tests.conftest import sign_in
from tests.sessions_app.conftest import make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def soon(group):
    return make_session(
        group, starts_at=timezone.now() + timedelta(minutes=10), title="Evening DBT"
    )


def press(browser, session, *, json: bool = True):
    headers = {"HTTP_ACCEPT": "application/json"} if json else {}
    return browser.post(f"/sessions/{session.pk}/trouble/", **headers)


def test_i_cant_connect_opens_an_urgent_ticket_with_the_tech_check(client_profile, soon, policies):
    tech_check_record(
        actor=client_profile.user,
        client=client_profile,
        camera="granted",
        microphone="denied",
        webrtc=True,
        download_mbps=3.0,
    )
    response = press(sign_in(client_profile.user), soon)

    assert response.status_code == 200
    ticket = Ticket.objects.get()
    assert (ticket.priority, ticket.source, ticket.category) == ("urgent", "trouble", "connection")
    assert ticket.session == soon and ticket.requester == client_profile.user
    assert ticket.tech_snapshot["microphone"] == "denied"
    assert ticket.first_response_due_at is not None
    offer = response.json()["offers"][0]
    assert offer["name"] == "support" and offer["url"] == f"/support/tickets/{ticket.pk}/"
    assert f"#{ticket.pk}" in offer["text"] and "within minutes" in offer["text"]
    assert Attendance.objects.get(session=soon, client=client_profile).reported_tech_issue


def test_pressing_again_joins_the_same_ticket(client_profile, soon, policies):
    browser = sign_in(client_profile.user)
    press(browser, soon)
    second = press(browser, soon).json()["offers"][0]
    ticket = Ticket.objects.get()
    assert "added this to" in second["text"]
    said = [e.body for e in TicketEntry.objects.filter(ticket=ticket, kind="reply")]
    assert said == [
        "I pressed “I can't connect” on the session page.",
        "I pressed “I can't connect” again.",
    ]


def test_a_later_session_is_high_and_becomes_urgent_when_it_is_close(
    client_profile, group, policies
):
    later = make_session(group, starts_at=timezone.now() + timedelta(hours=3))
    ticket_open_for_trouble(actor=client_profile.user, session=later, client=client_profile)
    assert Ticket.objects.get().priority == "high"
    later.starts_at = timezone.now() + timedelta(minutes=20)
    later.ends_at = later.starts_at + timedelta(hours=1)
    later.save(update_fields=["starts_at", "ends_at"])
    ticket_open_for_trouble(actor=client_profile.user, session=later, client=client_profile)
    ticket = Ticket.objects.get()
    assert ticket.priority == "urgent" and ticket.sla_first_response_minutes == 30


def test_the_session_page_shows_the_ticket_after_the_form_post(client_profile, soon, policies):
    browser = sign_in(client_profile.user)
    response = press(browser, soon, json=False)
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    page = browser.get(response["Location"]).content.decode()
    assert "Tech support opened your request" in page  # the banner, after the redirect
    assert f'href="/support/tickets/{ticket.pk}/"' in page
    assert "Tech support has your request" in page


def test_the_facilitator_sees_only_that_a_client_reported_a_problem(
    client_profile, soon, policies, clinician, other_clinician, supervisor, support_agent
):
    press(sign_in(client_profile.user), soon)
    ticket = Ticket.objects.get()
    ticket_reply(actor=support_agent, ticket=ticket, body="Secret tech detail: reset the router.")

    page = sign_in(clinician).get(f"/staff/sessions/{soon.pk}/").content.decode()
    assert "Casey Client reported a connection problem" in page
    assert "reset the router" not in page and "Can&#x27;t connect to" not in page
    assert (
        "Casey Client reported"
        in sign_in(supervisor).get(f"/staff/sessions/{soon.pk}/").content.decode()
    )
    assert sign_in(other_clinician).get(f"/staff/sessions/{soon.pk}/").status_code == 404
    assert sign_in(support_agent).get(f"/staff/sessions/{soon.pk}/").status_code == 404


def test_a_broken_handler_does_not_lose_the_report(client_profile, soon, policies):
    def broken(**_kwargs):
        raise RuntimeError("boom")

    trouble_handler_register("broken", broken)
    try:
        response = press(sign_in(client_profile.user), soon)
    finally:
        trouble_handler_unregister("broken")
    assert response.status_code == 200
    assert [o["name"] for o in response.json()["offers"]] == ["support", "support_chat"]
    assert Attendance.objects.get(session=soon, client=client_profile).reported_tech_issue
