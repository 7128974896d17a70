"""message_dispatch and the sweep, with the in-memory provider: claims, retries, giving up."""

from __future__ import annotations

import uuid

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import timezone

from iop.notify.backends import ProviderError, locmem
from iop.notify.models import Channel, OutboundMessage, Purpose, Status
from iop.notify.services import message_dispatch, message_enqueue, message_sweep
from iop.notify.services.dispatch import RETRY_POLICIES, due_rows, retry_delay
from tests.notify.conftest import CLIENT_PHONE

pytestmark = pytest.mark.django_db


def enqueue(key="k1", *, purpose=Purpose.REMINDER, channel=Channel.SMS, **extra):
    return message_enqueue(
        actor=None,
        channel=channel,
        purpose=purpose,
        idempotency_key=key,
        to=extra.pop("to", CLIENT_PHONE),
        body="Your group starts at 10:00.",
        **extra,
    )


def dispatch(message, claim="own"):
    """Run the task's service as the published task would (with the row's claim)."""
    message.refresh_from_db()
    if claim == "own":
        claim = str(message.claim) if message.claim else None
    return message_dispatch(message_id=message.pk, claim=claim)


def transient(code="20500"):
    return ProviderError("Internal Server Error", permanent=False, code=code)


def test_a_queued_message_is_sent_once_however_often_its_task_runs():
    message = enqueue()
    claim = str(message.claim)
    assert message_dispatch(message_id=message.pk, claim=claim) == "sent"
    assert message_dispatch(message_id=message.pk, claim=claim) == "skipped"
    assert message_dispatch(message_id=message.pk, claim=None) == "skipped"
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert message.attempts == 1
    assert message.provider == "locmem"
    assert message.provider_id == locmem.outbox[0].provider_id
    assert [sent.to for sent in locmem.outbox] == [CLIENT_PHONE]
    assert locmem.outbox[0].status_callback.endswith(f"/hooks/twilio/status?m={message.pk}")


def test_a_task_without_the_claim_waits_for_the_claim_to_run_out():
    message = enqueue()
    assert message_dispatch(message_id=message.pk, claim=str(uuid.uuid4())) == "skipped"
    assert message_dispatch(message_id=message.pk, claim=None) == "skipped"
    assert locmem.outbox == []
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=5)):
        assert message_dispatch(message_id=message.pk, claim=None) == "sent"


def test_a_transient_failure_is_retried_after_a_backoff(settings):
    settings.NOTIFY_MAX_COUNTDOWN_SECONDS = 0  # leave the retry to the sweep here
    message = enqueue()
    locmem.script(transient())
    assert dispatch(message) == "retry"
    message.refresh_from_db()
    assert message.status == Status.QUEUED
    assert message.attempts == 1
    assert message.error_code == "20500"
    assert message.next_attempt_at > timezone.now()
    assert dispatch(message, claim=None) == "skipped", "not before the backoff has passed"
    with time_machine.travel(message.next_attempt_at + timezone.timedelta(seconds=1)):
        assert dispatch(message, claim=None) == "sent"
    message.refresh_from_db()
    assert (message.status, message.attempts, message.error_code) == (Status.SENT, 2, "")
    assert len(locmem.outbox) == 1


def test_a_short_backoff_is_handed_to_a_countdown_task_with_a_new_claim(
    django_capture_on_commit_callbacks,
):
    message = enqueue()
    first_claim = message.claim
    locmem.script(transient())
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        dispatch(message)
    message.refresh_from_db()
    assert message.claim not in (None, first_claim)
    assert len(callbacks) == 1, "the retry is published after commit"
    # A late duplicate of the first task carries the spent claim and does nothing.
    assert message_dispatch(message_id=message.pk, claim=str(first_claim)) == "skipped"
    assert dispatch(message) == "sent"


def test_backoff_grows_exponentially_with_jitter_and_is_capped(settings):
    settings.NOTIFY_RETRY_BASE_SECONDS = 5
    for attempts in range(1, 12):
        ceiling = min(RETRY_POLICIES[Purpose.REMINDER].cap.total_seconds(), 5 * 2 ** (attempts - 1))
        delays = {retry_delay(Purpose.REMINDER, attempts) for _ in range(20)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 1, "jittered"
    assert max(retry_delay(Purpose.CRISIS, 20) for _ in range(20)) <= 30


def test_transient_failures_stop_at_the_purpose_deadline(settings):
    settings.NOTIFY_MAX_COUNTDOWN_SECONDS = 0
    message = enqueue(purpose=Purpose.CRISIS)
    start = timezone.now()
    attempts = 0
    with time_machine.travel(start, tick=False) as clock:
        outcome = "retry"
        while outcome == "retry":
            locmem.script(transient("20429"))
            outcome = dispatch(message, claim=None if attempts else "own")
            attempts += 1
            message.refresh_from_db()
            clock.move_to(message.next_attempt_at + timezone.timedelta(seconds=1))
    assert outcome == "failed"
    assert message.status == Status.FAILED
    assert message.error_message.startswith(f"Gave up after {message.attempts} attempts")
    # No attempt after the deadline (the loop above steps one second past each due time).
    window = RETRY_POLICIES[Purpose.CRISIS].window
    assert message.finished_at - start <= window + timezone.timedelta(seconds=1)
    assert message.attempts >= 10, "backoff capped at 30 s leaves room for many attempts"
    assert locmem.outbox == []


@pytest.mark.parametrize("code", ["21211", "30006"])
def test_a_permanent_failure_stops_at_once_and_is_shown(code, texting_client):
    message = enqueue(purpose=Purpose.REMINDER, user=texting_client.user)
    locmem.script(ProviderError("bad number", permanent=True, code=code, recipient=True))
    assert dispatch(message) == "failed"
    message.refresh_from_db()
    assert message.status == Status.UNDELIVERABLE
    assert message.error_code == code
    assert message.next_attempt_at is not None and not message.is_pending
    assert message_sweep() == 0, "nothing left for the sweep"


def test_a_permanent_error_not_about_the_recipient_is_a_failure():
    message = enqueue(purpose=Purpose.ACCOUNT)
    locmem.script(ProviderError("Authenticate", permanent=True, code="20003"))
    dispatch(message)
    message.refresh_from_db()
    assert (message.status, message.error_code) == (Status.FAILED, "20003")


def test_an_expired_message_is_not_sent():
    message = enqueue(expires_at=timezone.now() + timezone.timedelta(minutes=1))
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=2)):
        assert dispatch(message, claim=None) == "blocked"
    message.refresh_from_db()
    assert (message.status, message.error_code) == (Status.FAILED, "expired")
    assert locmem.outbox == []


def test_email_goes_through_django_email(mailoutbox):
    message = enqueue(channel=Channel.EMAIL, to="casey@example.org", subject="Your ticket")
    assert dispatch(message) == "sent"
    assert [m.to for m in mailoutbox] == [["casey@example.org"]]
    assert mailoutbox[0].subject == "Your ticket"
    assert mailoutbox[0].extra_headers["X-Harbor-Idempotency-Key"] == "k1"


def test_the_sweep_hands_on_rows_whose_dispatch_was_never_published():
    message = enqueue()
    OutboundMessage.objects.filter(pk=message.pk).update(claim=None, next_attempt_at=timezone.now())
    held = enqueue("held", not_before=timezone.now() + timezone.timedelta(hours=1))
    assert message_sweep() == 1
    message.refresh_from_db()
    assert message.claim is not None
    assert message.next_attempt_at > timezone.now()
    assert message_sweep() == 0, "a claimed row is not handed on twice"
    assert dispatch(message) == "sent"
    with time_machine.travel(held.next_attempt_at + timezone.timedelta(seconds=1)):
        assert message_sweep() == 1


def test_the_sweep_takes_back_a_send_whose_worker_disappeared(settings):
    message = enqueue()
    OutboundMessage.objects.filter(pk=message.pk).update(
        status=Status.SENDING, attempts=1, claim=uuid.uuid4(), next_attempt_at=timezone.now()
    )
    assert message_sweep() == 1
    message.refresh_from_db()
    assert message.status == Status.QUEUED
    assert message.error_code == "interrupted"
    assert dispatch(message) == "sent"
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.SENT, 2)


def test_the_sweep_leaves_a_send_in_progress_alone():
    message = enqueue()
    OutboundMessage.objects.filter(pk=message.pk).update(
        status=Status.SENDING,
        claim=uuid.uuid4(),
        next_attempt_at=timezone.now() + timezone.timedelta(seconds=30),
    )
    assert message_sweep() == 0


def test_the_sweep_query_reads_the_partial_index():
    """With sequential scans priced out, the planner can answer the sweep from the index alone,
    which only holds pending rows: finished rows never cost the sweep anything."""
    enqueue()
    query = due_rows(timezone.now())
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        plan = query.explain()
    assert "notify_outbox_due" in plan


def test_the_console_provider_logs_the_text_and_marks_it_delivered(settings, caplog):
    settings.SMS_BACKEND = "console"
    message = enqueue()
    with caplog.at_level("INFO", logger="iop.notify.console"):
        assert dispatch(message) == "sent"
    message.refresh_from_db()
    assert (message.status, message.provider) == (Status.DELIVERED, "console")
    assert message.delivered_at is not None
    assert f"SMS to {CLIENT_PHONE}" in caplog.text


def test_a_feed_message_reaches_the_staff_members_live_feed(clinician):
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from iop.realtime.groups import user_group
    from tests.notify.test_rules import receive_many

    layer = get_channel_layer()
    channel = f"tests.notify.feed.{uuid.uuid4().hex}"
    async_to_sync(layer.group_add)(user_group(clinician.pk), channel)
    message = enqueue(channel=Channel.FEED, to="", user=clinician, purpose=Purpose.CRISIS)
    assert dispatch(message) == "sent"
    [event] = async_to_sync(receive_many)(layer, channel, 1)
    assert event["event"] == "notify.crisis"
    assert event["payload"]["message_id"] == message.pk
    assert event["payload"]["text"] == "Your group starts at 10:00."
    message.refresh_from_db()
    assert message.status == Status.DELIVERED


def test_a_registered_prompt_gives_a_call_its_twiml_url():
    from iop.notify import prompts

    def prompt(message):
        return (
            f"https://harbor.example.org/prompt/{message.pk}"
            if message.purpose == "crisis"
            else None
        )

    prompts.register("tests.prompt", prompt)
    prompts.register("tests.broken", lambda message: 1 / 0)
    try:
        call = enqueue("call", channel=Channel.VOICE, purpose=Purpose.CRISIS)
        reminder = enqueue("reminder-call", channel=Channel.VOICE)
        dispatch(call)
        dispatch(reminder)
    finally:
        prompts.unregister("tests.prompt")
        prompts.unregister("tests.broken")
    assert [s.twiml_url for s in locmem.outbox] == [
        f"https://harbor.example.org/prompt/{call.pk}",
        "",
    ]
