"""/api/v1/tickets/: open, list, read, reply, change status; scopes, bad input, the one error
shape. (Every persona against every route: tests/api/test_personas.py.)"""

from __future__ import annotations

import pytest

from iop.api.models import Scope
from support.models import Ticket
from support.services import ticket_open, ticket_reply, ticket_status_set
from tests.api.conftest import error_of, key_client
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(client_profile, policies):
    made, _ = ticket_open(
        actor=client_profile.user, category="connection", subject="Frozen video", body="It froze."
    )
    return made


def test_a_client_opens_a_ticket_and_reads_it(client_profile, policies):
    browser = sign_in(client_profile.user)
    response = browser.post(
        "/api/v1/tickets/",
        {"category": "audio_video", "subject": "No sound", "body": "Silent."},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "new" and body["requester"]["name"] == "Casey C."
    assert body["sla"]["state"] == "on_track" and body["sla"]["first_response_due_at"]
    assert [e["body"] for e in body["entries"]] == ["Silent."]
    listed = browser.get("/api/v1/tickets/").json()
    assert [t["id"] for t in listed["results"]] == [body["id"]]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"category": "printer", "subject": "x", "body": "y"}, "category"),
        ({"category": "other", "subject": "", "body": "y"}, "subject"),
        ({"category": "other", "subject": "x", "body": ""}, "body"),
        ({"category": "other", "subject": "x", "body": "z" * 10_000}, "body"),
        ({"category": "other", "subject": "x", "body": "y", "priority": "urgent"}, "priority"),
        ({"category": "other", "subject": "x", "body": "y", "session": 999999}, "session"),
        ({"category": "other", "subject": "x", "body": "y", "client": 999999}, "client"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_saves_nothing(
    client_profile, policies, payload, field
):
    response = sign_in(client_profile.user).post(
        "/api/v1/tickets/", payload, content_type="application/json"
    )
    assert response.status_code == 400
    assert field in error_of(response)["fields"]
    assert not Ticket.objects.exists()


def test_replying_and_statuses(ticket, client_profile, support_agent):
    mine = sign_in(client_profile.user)
    desk = sign_in(support_agent)
    url = f"/api/v1/tickets/{ticket.pk}"
    empty = mine.post(f"{url}/reply/", {"body": ""}, content_type="application/json")
    assert empty.status_code == 400 and "body" in error_of(empty)["fields"]
    note = desk.post(
        f"{url}/reply/", {"body": "Provider bug", "internal": True}, content_type="application/json"
    )
    assert note.status_code == 201 and note.json()["kind"] == "note"
    assert (
        mine.post(
            f"{url}/reply/", {"body": "x", "internal": True}, content_type="application/json"
        ).status_code
        == 400
    )
    sent = {"body": "Still frozen", "client_message_id": "tap-1"}
    first = mine.post(f"{url}/reply/", sent, content_type="application/json")
    again = mine.post(f"{url}/reply/", sent, content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    seen = [e["body"] for e in mine.get(f"{url}/").json()["entries"]]
    assert "Provider bug" not in seen and seen.count("Still frozen") == 1
    assert "Provider bug" in [e["body"] for e in desk.get(f"{url}/").json()["entries"]]

    bogus = desk.post(f"{url}/status/", {"status": "fixed-ish"}, content_type="application/json")
    assert bogus.status_code == 400 and "status" in error_of(bogus)["fields"]
    held = mine.post(f"{url}/status/", {"status": "on_hold"}, content_type="application/json")
    assert held.status_code == 403
    closed = desk.post(f"{url}/status/", {"status": "closed"}, content_type="application/json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    late = mine.post(f"{url}/reply/", {"body": "Hello?"}, content_type="application/json")
    assert late.status_code == 409 and error_of(late)["code"] == "conflict"


def test_someone_elses_ticket_is_a_404(ticket, other_client_profile, clinician):
    for person in (other_client_profile.user, clinician):
        browser = sign_in(person)
        assert browser.get(f"/api/v1/tickets/{ticket.pk}/").status_code == 404
        response = browser.post(
            f"/api/v1/tickets/{ticket.pk}/reply/", {"body": "hi"}, content_type="application/json"
        )
        assert response.status_code == 404 and error_of(response)["code"] == "not_found"
    assert ticket.entries.count() == 1


def test_keys_read_and_write_their_programs_tickets(
    ticket, client_profile, make_key, other_program
):
    read_only = key_client(make_key(scopes=[Scope.SUPPORT_READ])[1])
    assert read_only.get(f"/api/v1/tickets/{ticket.pk}/").status_code == 200
    refused = read_only.post(
        f"/api/v1/tickets/{ticket.pk}/reply/", {"body": "hi"}, content_type="application/json"
    )
    assert refused.status_code == 403 and error_of(refused)["code"] == "insufficient_scope"
    writer = key_client(make_key(scopes=[Scope.SUPPORT_READ, Scope.SUPPORT_WRITE])[1])
    nameless = writer.post(
        "/api/v1/tickets/",
        {"category": "other", "subject": "s", "body": "b"},
        content_type="application/json",
    )
    assert nameless.status_code == 400 and "client" in error_of(nameless)["fields"]
    made = writer.post(
        "/api/v1/tickets/",
        {
            "category": "device",
            "subject": "From the EHR",
            "body": "b",
            "client": client_profile.pk,
            "priority": "low",
        },
        content_type="application/json",
    )
    assert made.status_code == 201 and made.json()["priority"] == "low"
    assert made.json()["source"] == "api"
    far = key_client(make_key(key_program=other_program)[1])
    assert far.get(f"/api/v1/tickets/{ticket.pk}/").status_code == 404
    assert far.get("/api/v1/tickets/").json()["results"] == []


def test_list_filters_are_checked(ticket, support_agent):
    desk = sign_in(support_agent)
    assert [t["id"] for t in desk.get("/api/v1/tickets/?status=new").json()["results"]] == [
        ticket.pk
    ]
    assert desk.get("/api/v1/tickets/?status=solved").json()["results"] == []
    bad = desk.get("/api/v1/tickets/?status=whatever")
    assert bad.status_code == 400 and "status" in error_of(bad)["fields"]
    assert desk.get("/api/v1/tickets/?tier=").status_code == 400


def test_listing_is_audited_per_client(ticket, client_profile, support_agent):
    from iop.audit.models import AccessLog

    ticket_reply(actor=support_agent, ticket=ticket, body="On it")
    ticket_status_set(actor=support_agent, ticket=ticket, status="pending")
    sign_in(support_agent).get("/api/v1/tickets/")
    assert AccessLog.objects.filter(
        actor=support_agent, client=client_profile, object_type="support.Ticket", action="view"
    ).exists()
