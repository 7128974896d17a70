"""End to end through Redis and a real Celery worker: crashes, retries, a killed worker."""

from __future__ import annotations

import os
import signal
import time

import pytest
import time_machine
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from iop.notify.backends import locmem
from iop.notify.models import Channel, OutboundMessage, Purpose, Status
from iop.notify.services import message_enqueue, message_sweep
from iop.notify.tasks import message_sweep_task
from tests.conftest import sign_in
from tests.notify.conftest import (
    CLINIC_NUMBER,
    PUBLIC_BASE_URL,
    broker_down,
    broker_hung,
    wait_until,
)
from tests.notify.webhook_client import post_signed
from tests.notify.worker_process import worker_process
from tests.servers import current_database_url
from tests.twilio_fake import ACCOUNT_SID, AUTH_TOKEN, Hang, Reply

pytestmark = pytest.mark.django_db(transaction=True)


def enqueue(profile, key, *, purpose=Purpose.CRISIS):
    with transaction.atomic():
        return message_enqueue(
            actor=None,
            channel=Channel.SMS,
            purpose=purpose,
            idempotency_key=key,
            user=profile.user,
            body="Your clinician is trying to reach you. Please call the clinic.",
        )


def status_of(message) -> str:
    return OutboundMessage.objects.values_list("status", flat=True).get(pk=message.pk)


def test_two_500s_then_201_is_one_message_three_attempts_then_delivered(
    run_worker, twilio_backend, texting_client, settings
):
    settings.NOTIFY_RETRY_BASE_SECONDS = 0.2
    fake = twilio_backend
    fake.respond(Reply(500), Reply(500))
    with run_worker():
        message = enqueue(texting_client, "reminder:1", purpose=Purpose.REMINDER)
        assert wait_until(lambda: status_of(message) == Status.SENT)
    message.refresh_from_db()
    assert message.attempts == 3
    assert [r.answered for r in fake.requests] == [500, 500, 201]
    [created] = fake.messages()
    assert message.provider_id == created["sid"]
    assert OutboundMessage.objects.count() == 1

    receipt = fake.receipt(created["sid"], "delivered")
    assert post_signed(f"/hooks/twilio/status?m={message.pk}", receipt).status_code == 204
    message.refresh_from_db()
    assert message.status == Status.DELIVERED


def test_a_crash_after_commit_before_dispatch_is_sent_exactly_once_by_the_sweep(
    run_worker, twilio_backend, texting_client
):
    fake = twilio_backend
    with broker_down():
        started = time.monotonic()
        message = enqueue(texting_client, "crisis:1")
        assert time.monotonic() - started < 2, "publishing gave up quickly"
    message.refresh_from_db()
    assert message.status == Status.QUEUED
    assert message.claim is None, "the failed publish handed the row straight to the sweep"
    assert message.next_attempt_at <= timezone.now()
    assert fake.requests == []

    with run_worker():
        message_sweep_task.apply_async(queue="crisis")
        assert wait_until(lambda: status_of(message) == Status.SENT)
        message_sweep_task.apply_async(queue="crisis")
        message_sweep_task.apply_async(queue="crisis")
        time.sleep(0.5)  # give a wrong second send the chance to happen
    assert len(fake.requests) == 1
    assert len(fake.messages()) == 1
    message.refresh_from_db()
    assert message.attempts == 1


@pytest.mark.parametrize("outage", [broker_down, broker_hung])
def test_a_page_that_sends_a_message_does_not_hang_when_redis_is_down(outage, clinician):
    clinician.phone = "+14155550188"
    clinician.save(update_fields=["phone"])
    browser = sign_in(clinician)
    with outage():
        started = time.monotonic()
        response = browser.post("/staff/outbox/test/")
        elapsed = time.monotonic() - started
    assert response.status_code == 302
    assert elapsed < 4, f"the request took {elapsed:.1f}s"
    message = OutboundMessage.objects.get()
    assert message.status == Status.QUEUED and message.claim is None


def test_crisis_messages_are_dispatched_from_their_own_queue(run_worker, texting_client):
    with run_worker(queues=("crisis",)):
        crisis = enqueue(texting_client, "crisis:1")
        reminder = enqueue(texting_client, "reminder:1", purpose=Purpose.REMINDER)
        assert wait_until(lambda: status_of(crisis) == Status.SENT)
        time.sleep(0.3)
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == (Status.QUEUED, 0)
    assert [sent.idempotency_key for sent in locmem.outbox] == ["crisis:1"]


def test_a_worker_killed_mid_send_still_sends_and_exactly_one_message_exists(
    run_worker, twilio_backend, texting_client
):
    fake = twilio_backend
    # Twilio takes the message, but its answer never reaches the worker.
    fake.respond(Hang(seconds=120))
    env = {
        "SMS_BACKEND": "twilio",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": CLINIC_NUMBER,
        "TWILIO_API_BASE_URL": fake.url,
        "TWILIO_TIMEOUT_SECONDS": "30",
        # http: an https address would make the worker insist on production secrets.
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL.replace("https://", "http://"),
    }
    with worker_process(
        database_url=current_database_url(), redis_url=settings.REDIS_URL, env=env
    ) as worker:
        message = enqueue(texting_client, "crisis:event-9:client")
        assert fake.wait_for(1, timeout=20), worker.log_tail()
        assert wait_until(lambda: status_of(message) == Status.SENDING)
        os.kill(worker.process.pid, signal.SIGKILL)
        assert worker.process.wait(timeout=10) == -signal.SIGKILL
    message.refresh_from_db()
    assert (message.status, message.attempts, message.provider_id) == (Status.SENDING, 1, "")

    # Once the dead worker's lease has run out, the sweep takes the row back ...
    with time_machine.travel(message.next_attempt_at + timezone.timedelta(seconds=1)):
        assert message_sweep() == 1
    # ... and the next worker sends it again, with the same idempotency key.
    with run_worker():
        assert wait_until(lambda: status_of(message) == Status.SENT)
    message.refresh_from_db()
    assert message.attempts == 2
    assert len(fake.requests) == 2
    assert {r.headers["Idempotency-Key"] for r in fake.requests} == {message.idempotency_key}
    [created] = fake.messages()
    assert message.provider_id == created["sid"]
    assert OutboundMessage.objects.filter(idempotency_key="crisis:event-9:client").count() == 1
    assert OutboundMessage.objects.count() == 1
