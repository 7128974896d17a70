"""message_enqueue: one idempotency key is one message, written in the caller's transaction."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from iop.notify.models import Channel, OutboundMessage, Purpose, Status
from iop.notify.services import message_enqueue
from iop.notify.services.outbox import message_enqueue_many
from tests.notify.conftest import CLIENT_PHONE

pytestmark = pytest.mark.django_db


def enqueue(**overrides):
    fields = {
        "actor": None,
        "channel": Channel.SMS,
        "purpose": Purpose.REMINDER,
        "idempotency_key": "reminder:session-1:client-1",
        "to": CLIENT_PHONE,
        "body": "Group starts at 10:00.",
    }
    return message_enqueue(**{**fields, **overrides})


def test_the_same_key_twice_is_one_message(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first = enqueue()
        second = enqueue(body="A different text")
    assert first.pk == second.pk
    assert OutboundMessage.objects.count() == 1
    assert OutboundMessage.objects.get().body == "Group starts at 10:00."
    assert len(callbacks) == 1, "one dispatch is handed to the worker, after commit"


def test_a_rolled_back_transaction_leaves_no_message_and_dispatches_nothing(
    django_capture_on_commit_callbacks,
):
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        enqueue()
        raise RuntimeError("the caller's work failed")
    assert OutboundMessage.objects.count() == 0
    assert callbacks == []


def test_a_new_message_is_queued_and_claimed_for_its_first_dispatch():
    message = enqueue()
    assert message.status == Status.QUEUED
    assert message.claim is not None
    assert message.attempts == 0
    assert message.next_attempt_at > message.created_at, "the sweep leaves it to the first task"


def test_recipient_details_come_from_the_user_and_link_the_client(texting_client):
    message = enqueue(to="", user=texting_client.user)
    assert message.to == CLIENT_PHONE
    assert message.client == texting_client
    email = enqueue(channel=Channel.EMAIL, to="", user=texting_client.user, idempotency_key="e1")
    assert email.to == texting_client.user.email


def test_no_phone_on_file_is_recorded_undeliverable_instead_of_raising(client_profile):
    message = enqueue(to="", user=client_profile.user)
    assert message.status == Status.UNDELIVERABLE
    assert message.error_code == "no-recipient"
    assert message.claim is None


def test_a_template_is_rendered_into_the_body():
    message = enqueue(
        body="",
        template="notify/sms/session_reminder.txt",
        context={"clinic": "Harbor", "group": "DBT skills", "starts": "10:00"},
    )
    assert message.body.startswith('Harbor: your group "DBT skills" starts at 10:00.')
    assert message.context["group"] == "DBT skills"


def test_the_body_is_encrypted_at_rest():
    from django.db import connection

    message = enqueue()
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM notify_outboundmessage WHERE id = %s", [message.pk])
        stored = cursor.fetchone()[0]
    assert "10:00" not in stored


def test_the_about_object_is_remembered(texting_client):
    message = enqueue(about=texting_client)
    message.refresh_from_db()
    assert message.about == texting_client


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"to": "415-555-0123"}, "to"),
        ({"channel": Channel.EMAIL, "to": "not-an-address"}, "to"),
        ({"channel": "pager"}, "channel"),
        ({"purpose": "marketing"}, "purpose"),
        ({"idempotency_key": ""}, "idempotency_key"),
        ({"channel": Channel.FEED, "to": ""}, "user"),
    ],
)
def test_bad_input_is_refused_with_the_field_and_nothing_is_saved(overrides, field):
    with pytest.raises(ValidationError) as raised:
        enqueue(**overrides)
    assert field in raised.value.message_dict
    assert OutboundMessage.objects.count() == 0


def _spec(key, body="Group starts at 10:00."):
    return {
        "actor": None,
        "channel": Channel.SMS,
        "purpose": Purpose.REMINDER,
        "idempotency_key": key,
        "to": CLIENT_PHONE,
        "body": body,
    }


def test_enqueue_many_writes_new_keys_in_one_insert_and_dispatches_each_after_commit(
    django_capture_on_commit_callbacks, django_assert_num_queries
):
    with django_capture_on_commit_callbacks() as callbacks, django_assert_num_queries(3):
        messages = message_enqueue_many([_spec("a"), _spec("b"), _spec("a", "Other text")])
    assert [m.idempotency_key for m in messages] == ["a", "b", "a"]
    assert messages[0] is messages[2], "a key repeated in the batch is one message"
    assert OutboundMessage.objects.count() == 2
    assert len(callbacks) == 2


def test_enqueue_many_gives_back_the_message_already_holding_a_key(
    django_capture_on_commit_callbacks,
):
    earlier = enqueue(idempotency_key="b", body="Sent before")
    with django_capture_on_commit_callbacks() as callbacks:
        messages = message_enqueue_many([_spec("a"), _spec("b"), _spec("c")])
    assert [m.idempotency_key for m in messages] == ["a", "b", "c"]
    assert messages[1].pk == earlier.pk and messages[1].body == "Sent before"
    assert OutboundMessage.objects.count() == 3
    assert len(callbacks) == 2, "only the two new messages are handed to a worker"


def test_enqueue_many_with_one_bad_spec_writes_nothing():
    with pytest.raises(ValidationError) as error:
        message_enqueue_many([_spec("a"), {**_spec("b"), "to": "0415 555"}])
    assert "to" in error.value.message_dict
    assert OutboundMessage.objects.count() == 0
