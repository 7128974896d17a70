"""Nobody sees a thread that is not theirs, on the pages and through the API: another client's
thread does not exist (404), another caseload's neither, support agents see none, API keys their
program's with messages:read; bad input gets an error naming the field; reads are audited."""

from __future__ import annotations

import pytest
import time_machine

from iop.api.models import Scope
from iop.audit.models import AccessLog, Action
from messaging.models import Message, MessageThread
from messaging.services import thread_start
from tests.api.conftest import key_client
from tests.conftest import sign_in
from tests.messaging.conftest import OPEN

pytestmark = pytest.mark.django_db


@pytest.fixture
def ours(client_profile):
    with time_machine.travel(OPEN, tick=False):
        thread, message = thread_start(actor=client_profile.user, body="Our private words")
    return thread, message


def test_pages_refuse_whoever_may_not_see_the_thread(
    ours, other_client_profile, clinician, other_clinician, supervisor, support_agent
):
    thread, _ = ours
    assert sign_in(other_client_profile.user).get(f"/messages/{thread.pk}/").status_code == 404
    assert sign_in(other_clinician).get(f"/staff/messaging/threads/{thread.pk}/").status_code == 404
    assert sign_in(support_agent).get("/staff/messaging/").status_code == 403
    assert sign_in(support_agent).get(f"/staff/messaging/threads/{thread.pk}/").status_code == 403
    for person in (clinician, supervisor):
        page = sign_in(person).get(f"/staff/messaging/threads/{thread.pk}/")
        assert page.status_code == 200 and "Our private words" in page.content.decode()
    other_inbox = sign_in(other_clinician).get("/staff/messaging/").content.decode()
    assert "Casey Client" not in other_inbox
    posted = sign_in(other_client_profile.user).post(f"/messages/{thread.pk}/", {"body": "hi"})
    assert posted.status_code == 404
    assert Message.objects.filter(thread=thread).count() == 1


def test_the_api_lists_only_what_each_caller_may_see(
    ours,
    other_client_profile,
    other_clinician,
    support_agent,
    clinician,
    make_key,
    other_program,
):
    thread, message = ours
    with time_machine.travel(OPEN, tick=False):
        theirs, _ = thread_start(actor=other_client_profile.user, body="Their words")

    def ids(browser, path):
        response = browser.get(path)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids(sign_in(clinician), "/api/v1/message-threads/") == {thread.pk}
    assert ids(sign_in(other_clinician), "/api/v1/message-threads/") == {theirs.pk}
    assert ids(sign_in(support_agent), "/api/v1/message-threads/") == set()
    assert ids(sign_in(support_agent), "/api/v1/messages/") == set()
    assert ids(sign_in(other_client_profile.user), "/api/v1/messages/") == {
        m.pk for m in theirs.messages.all()
    }
    reader = key_client(make_key(scopes=[Scope.MESSAGES_READ])[1])
    assert ids(reader, "/api/v1/message-threads/") == {thread.pk, theirs.pk}
    far = key_client(make_key(key_program=other_program)[1])
    assert ids(far, "/api/v1/message-threads/") == set()
    assert far.get(f"/api/v1/messages/{message.pk}/").status_code == 404
    no_scope = key_client(
        make_key(scopes=[s for s in Scope.values if s != Scope.MESSAGES_READ], name="x")[1]
    )
    assert no_scope.get("/api/v1/message-threads/").status_code == 403
    got = sign_in(other_client_profile.user).get(f"/api/v1/message-threads/{thread.pk}/")
    assert got.status_code == 404
    detail = sign_in(clinician).get(f"/api/v1/messages/{message.pk}/").json()
    assert detail["body"] == "Our private words" and detail["from_client"] is True
    assert AccessLog.objects.filter(
        actor=clinician, action=Action.VIEW, object_type="messaging.Message"
    ).exists()


def test_api_writes_name_the_field_and_save_nothing(
    ours,
    client_profile,
    clinician,
    other_clinician,
    support_agent,
    make_key,
):
    thread, _ = ours
    before = (MessageThread.objects.count(), Message.objects.count())
    client = sign_in(client_profile.user)
    bad = client.post("/api/v1/messages/", {"thread": thread.pk, "body": ""}, "application/json")
    assert bad.status_code == 400 and "body" in bad.json()["error"]["fields"]
    bad = client.post("/api/v1/messages/", {"thread": "x", "body": "hi"}, "application/json")
    assert bad.json()["error"]["fields"]["thread"] == [
        "Give the conversation's id, a whole number."
    ]
    staff = sign_in(other_clinician)
    bad = staff.post("/api/v1/messages/", {"thread": thread.pk, "body": "hi"}, "application/json")
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"]["thread"] == [
        f"No conversation with id {thread.pk} is visible to you."
    ]
    bad = staff.post(
        "/api/v1/message-threads/", {"client": client_profile.pk, "body": "hi"}, "application/json"
    )
    assert bad.json()["error"]["fields"]["client"] == [
        f"No client with id {client_profile.pk} is visible to you."
    ]
    bad = sign_in(clinician).post(
        "/api/v1/message-threads/",
        {"client": client_profile.pk, "body": "hi", "colleagues": [other_clinician.pk]},
        "application/json",
    )
    assert bad.status_code == 400
    assert "Not on this client's care team" in bad.json()["error"]["fields"]["colleagues"][0]
    refused = sign_in(support_agent).post("/api/v1/messages/", {}, "application/json")
    assert refused.status_code == 403
    keyed = key_client(make_key()[1]).post(
        "/api/v1/messages/", {"thread": thread.pk, "body": "hi"}, "application/json"
    )
    assert keyed.status_code == 403
    assert (MessageThread.objects.count(), Message.objects.count()) == before


def test_api_writes_reach_the_thread(ours, client_profile, clinician):
    thread, _ = ours
    with time_machine.travel(OPEN, tick=True):
        sent = sign_in(clinician).post(
            "/api/v1/messages/",
            {"thread": thread.pk, "body": "Answered by API"},
            "application/json",
        )
        assert sent.status_code == 201 and sent.json()["author"]["id"] == clinician.pk
        started = sign_in(client_profile.user).post(
            "/api/v1/message-threads/", {"subject": "New", "body": "Hello"}, "application/json"
        )
    assert started.status_code == 201
    assert started.json()["client"] == client_profile.pk and started.json()["to_care_team"]
    row = sign_in(client_profile.user).get(f"/api/v1/message-threads/{thread.pk}/").json()
    assert row["last_answered_by"]["id"] == clinician.pk and row["unread"] == 1
