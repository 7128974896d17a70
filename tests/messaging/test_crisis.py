"""A client's message passes the crisis screen exactly as an inbound text: crisis words open (or
join) one crisis event with the message linked on its timeline, and the client sees the help
panel (lines, safety plan) in the thread at once."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from crisis.models import CrisisEvent, CrisisSource, TimelineEntry, TimelineKind
from crisis.services import safety_plan_save
from messaging.models import MessageKind
from messaging.services import message_send, thread_start
from tests.conftest import sign_in
from tests.messaging.conftest import OPEN

pytestmark = pytest.mark.django_db


def test_crisis_words_open_one_event_with_the_message_on_its_timeline(client_profile, clinician):
    with time_machine.travel(OPEN, tick=False):
        thread, message = thread_start(
            actor=client_profile.user, body="I can't go on like this, I want to die"
        )
    event = CrisisEvent.objects.get(client=client_profile)
    assert event.source == CrisisSource.MESSAGE_KEYWORD and event.is_unresolved
    message.refresh_from_db()
    assert message.crisis and message.crisis_event_id == event.pk
    opened = TimelineEntry.objects.get(event=event, kind=TimelineKind.OPENED)
    assert opened.data["link"] == f"/staff/messaging/threads/{thread.pk}/#m{message.pk}"
    page = sign_in(clinician).get(reverse("crisis_staff:event", args=[event.pk])).content.decode()
    assert f'href="/staff/messaging/threads/{thread.pk}/#m{message.pk}"' in page
    assert f"Secure message #{message.pk}" in page


def test_a_repeat_joins_the_same_event(client_profile, clinician):
    with time_machine.travel(OPEN, tick=False):
        thread, _ = thread_start(actor=client_profile.user, body="I want to die")
        second = message_send(actor=client_profile.user, thread=thread, body="I want to die")
        other, third = thread_start(actor=client_profile.user, body="thinking of hurting myself")
    assert CrisisEvent.objects.filter(client=client_profile).count() == 1
    event = CrisisEvent.objects.get()
    again = TimelineEntry.objects.filter(event=event, kind=TimelineKind.RAISED_AGAIN)
    assert {e.data["link"] for e in again} == {
        f"/staff/messaging/threads/{thread.pk}/#m{second.pk}",
        f"/staff/messaging/threads/{other.pk}/#m{third.pk}",
    }


def test_ordinary_words_open_nothing(client_profile):
    with time_machine.travel(OPEN, tick=False):
        thread, message = thread_start(
            actor=client_profile.user, body="This traffic is killing me, I'll be late"
        )
    assert not CrisisEvent.objects.exists() and not message.crisis
    page = sign_in(client_profile.user).get(f"/messages/{thread.pk}/").content.decode()
    assert 'id="messaging-help"' not in page


def test_staff_words_are_not_screened(client_profile, clinician):
    with time_machine.travel(OPEN, tick=False):
        thread_start(actor=clinician, client=client_profile, body="Have you felt suicidal?")
    assert not CrisisEvent.objects.exists()


def test_the_client_sees_the_help_panel_in_the_thread_at_once(client_profile, clinician):
    safety_plan_save(
        actor=clinician,
        client=client_profile,
        sections={"warning_signs": "Not sleeping", "reason_for_living": "My dog Biscuit"},
        based_on_version=None,
    )
    browser = sign_in(client_profile.user)
    with time_machine.travel(OPEN, tick=True):
        response = browser.post("/messages/", {"subject": "", "body": "I want to end my life"})
        assert response.status_code == 302
        page = browser.get(response["Location"]).content.decode()
    assert 'id="messaging-help"' in page
    assert "Your care team has been alerted and someone will contact you." in page
    assert "tel:988" in page and "My dog Biscuit" in page
    reply = CrisisEvent.objects.get()
    assert reply.source == CrisisSource.MESSAGE_KEYWORD
    auto = reply.client.message_threads.get().messages.get(kind=MessageKind.AUTO_REPLY)
    assert auto.crisis and "call or text 988" in auto.body
