"""Threads between a client and their care team: who writes to whom, bodies encrypted at rest,
read state per person, the inbox's order, who answered and when, the automatic reply outside
clinic hours and the expectations on every page."""

from __future__ import annotations

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection

from iop.domain import NotAllowed
from messaging.clinic_hours import clinic_hours
from messaging.models import Message, MessageKind, MessageThread
from messaging.selectors import inbox_for, thread_get_for
from messaging.services import message_send, thread_read, thread_start
from messaging.services.threads import EXPECTATIONS
from tests.conftest import sign_in
from tests.factories import CareTeamFactory, StaffFactory
from tests.messaging.conftest import CLOSED, OPEN, ny

pytestmark = pytest.mark.django_db

EXPECTED_TEXT = (
    "Messages are read during clinic hours, usually within one business day. Not for "
    "emergencies: call or text 988 or press I need help now."
)


def test_a_client_writes_to_their_care_team_and_the_body_is_encrypted_at_rest(client_profile):
    with time_machine.travel(OPEN, tick=False):
        thread, message = thread_start(
            actor=client_profile.user, subject="Group time", body="Can I move to Wednesday?"
        )
    assert thread.client == client_profile and thread.to_care_team
    assert message.from_client and message.body == "Can I move to Wednesday?"
    with connection.cursor() as cursor:
        cursor.execute("select body from messaging_message where id = %s", [message.pk])
        stored = cursor.fetchone()[0]
        cursor.execute("select subject from messaging_messagethread where id = %s", [thread.pk])
        subject = cursor.fetchone()[0]
    assert stored.startswith("fernet:") and "Wednesday" not in stored
    assert subject.startswith("fernet:") and "Group" not in subject


def test_staff_write_to_a_client_with_named_colleagues_of_the_care_team(
    client_profile, clinician, other_clinician, program
):
    colleague = StaffFactory(email="colleague@example.org", profile__program=program)
    CareTeamFactory(client=client_profile, clinician=colleague, is_primary=False)
    with time_machine.travel(OPEN, tick=False):
        thread, _ = thread_start(
            actor=clinician,
            client=client_profile,
            body="How did the week go?",
            colleagues=[colleague],
        )
    assert not thread.to_care_team
    assert set(thread.staff.all()) == {clinician, colleague}
    with pytest.raises(ValidationError) as refused:
        thread_start(
            actor=clinician,
            client=client_profile,
            body="Hello",
            colleagues=[other_clinician],
        )
    assert "colleagues" in refused.value.message_dict
    assert "Not on this client's care team" in refused.value.message_dict["colleagues"][0]


def test_bad_input_is_refused_field_by_field_and_nothing_is_saved(client_profile, clinician):
    with pytest.raises(ValidationError) as refused:
        thread_start(actor=client_profile.user, subject="x" * 121, body="   ")
    assert refused.value.message_dict == {
        "subject": ["Keep the subject under 120 characters."],
        "body": ["Write your message first."],
    }
    with pytest.raises(ValidationError) as refused:
        thread_start(actor=clinician, body="hello")
    assert refused.value.message_dict == {"client": ["Choose the client to write to."]}
    assert not MessageThread.objects.exists() and not Message.objects.exists()


def test_support_agents_and_other_caseloads_cannot_write(
    client_profile, support_agent, other_clinician, clinician
):
    with pytest.raises(NotAllowed):
        thread_start(actor=support_agent, client=client_profile, body="hello")
    with time_machine.travel(OPEN, tick=False):
        thread, _ = thread_start(actor=client_profile.user, body="hello")
    with pytest.raises(NotAllowed):
        message_send(actor=other_clinician, thread=thread, body="hello")
    with pytest.raises(ValidationError) as refused:
        thread_start(actor=other_clinician, client=client_profile, body="hi")
    assert refused.value.message_dict == {"client": ["No such client is visible to you."]}


def test_read_state_is_per_person_and_the_inbox_puts_the_oldest_unanswered_first(
    client_profile, other_client_profile, clinician, supervisor
):
    with time_machine.travel(ny(2026, 3, 3, 9, 30), tick=False) as clock:
        answered, _ = thread_start(actor=client_profile.user, body="first")
        clock.move_to(ny(2026, 3, 3, 9, 40))
        older, _ = thread_start(actor=client_profile.user, body="second")
        clock.move_to(ny(2026, 3, 3, 9, 50))
        newer, _ = thread_start(actor=client_profile.user, body="third")
        clock.move_to(ny(2026, 3, 3, 10, 0))
        message_send(actor=clinician, thread=answered, body="answered")
        clock.move_to(ny(2026, 3, 3, 10, 5))
        message_send(actor=client_profile.user, thread=newer, body="third, again")
    rows = inbox_for(clinician)
    assert [t.pk for t in rows] == [older.pk, newer.pk, answered.pk]
    unread = {t.pk: t.unread for t in rows}
    assert unread == {older.pk: 1, newer.pk: 2, answered.pk: 0}
    # The supervisor has read nothing (the clinician's answer included): reading is one's own.
    assert {t.pk: t.unread for t in inbox_for(supervisor)} == {
        older.pk: 1,
        newer.pk: 2,
        answered.pk: 2,
    }
    thread_read(actor=clinician, thread=newer)
    assert thread_get_for(clinician, newer.pk).unread == 0
    assert thread_get_for(supervisor, newer.pk).unread == 2
    # The client reads the answer.
    assert thread_get_for(client_profile.user, answered.pk).unread == 1
    thread_read(actor=client_profile.user, thread=answered)
    assert thread_get_for(client_profile.user, answered.pk).unread == 0


def test_the_client_sees_who_answered_and_when(client_profile, clinician):
    with time_machine.travel(OPEN, tick=False) as clock:
        thread, _ = thread_start(actor=client_profile.user, body="Is group on tomorrow?")
        clock.move_to(ny(2026, 3, 3, 11, 42))
        message_send(actor=clinician, thread=thread, body="Yes, at 6 pm.")
    clinician.refresh_from_db()
    browser = sign_in(client_profile.user)
    page = browser.get(f"/messages/{thread.pk}/").content.decode()
    assert f"Answered by {clinician.display_name} on Tuesday 3 March, 11:42." in page
    assert f"{clinician.display_name} answered" in page and "Yes, at 6 pm." in page
    listing = browser.get("/messages/").content.decode()
    assert f"Answered by {clinician.display_name}, Tue 3 Mar, 11:42" in listing


def test_the_expectations_are_on_every_messaging_page(client_profile, clinician):
    assert EXPECTATIONS == EXPECTED_TEXT
    with time_machine.travel(OPEN, tick=False):
        thread, _ = thread_start(actor=client_profile.user, body="hello")
    browser = sign_in(client_profile.user)
    for path in ("/messages/", f"/messages/{thread.pk}/"):
        assert EXPECTED_TEXT in browser.get(path).content.decode(), path
    assert EXPECTED_TEXT in sign_in(clinician).get("/staff/messaging/").content.decode()


def test_outside_clinic_hours_an_automatic_reply_says_when_it_will_be_read(client_profile):
    client_profile.user.time_zone = "America/New_York"
    client_profile.user.save(update_fields=["time_zone"])
    with time_machine.travel(CLOSED, tick=False) as clock:
        thread, _ = thread_start(actor=client_profile.user, body="Evening question")
        clock.move_to(ny(2026, 3, 3, 21, 0))
        message_send(actor=client_profile.user, thread=thread, body="One more thing")
    replies = list(thread.messages.filter(kind=MessageKind.AUTO_REPLY))
    assert len(replies) == 1  # once for the closed spell, not for every message
    assert "will read it when we open, Wednesday 4 March at 09:00" in replies[0].body
    assert replies[0].author is None
    with time_machine.travel(OPEN, tick=False):
        daytime, _ = thread_start(actor=client_profile.user, body="Daytime question")
    assert not daytime.messages.filter(kind=MessageKind.AUTO_REPLY).exists()
    # Friday evening: read on Monday; before a public holiday, after it.
    with time_machine.travel(ny(2026, 3, 6, 18, 0), tick=False):
        weekend, _ = thread_start(actor=client_profile.user, body="Weekend question")
    assert "Monday 9 March at 09:00" in weekend.messages.get(kind=MessageKind.AUTO_REPLY).body
    with time_machine.travel(ny(2026, 5, 22, 18, 0), tick=False):  # Friday before Memorial Day
        holiday, _ = thread_start(actor=client_profile.user, body="Holiday question")
    assert "Tuesday 26 May at 09:00" in holiday.messages.get(kind=MessageKind.AUTO_REPLY).body


def test_clinic_hours_count_only_open_time():
    hours = clinic_hours("America/New_York")
    assert hours.is_open_at(OPEN) and not hours.is_open_at(CLOSED)
    assert hours.add_open_time(ny(2026, 3, 3, 10, 0), hours.day_length) == ny(2026, 3, 4, 10, 0)
    assert hours.add_open_time(ny(2026, 3, 6, 20, 0), hours.day_length) == ny(2026, 3, 9, 17, 0)
    assert hours.next_opening(CLOSED) == ny(2026, 3, 4, 9, 0)
