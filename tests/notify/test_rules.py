"""Quiet hours, the rate limit, STOP and START, SMS consent, and the crisis voice fallback."""

from __future__ import annotations

import asyncio
import uuid
import zoneinfo
from datetime import datetime

import pytest
import time_machine
from django.utils import timezone

from iop.notify.backends import ProviderError, locmem
from iop.notify.models import Channel, OutboundMessage, Purpose, SmsOptOut, Status
from iop.notify.rules import quiet_hours_end
from iop.notify.services import message_dispatch, message_enqueue, message_sweep
from tests.notify.conftest import CLIENT_PHONE
from tests.notify.webhook_client import post_signed

pytestmark = pytest.mark.django_db
LA = zoneinfo.ZoneInfo("America/Los_Angeles")
NY = zoneinfo.ZoneInfo("America/New_York")


def enqueue(key, *, purpose=Purpose.REMINDER, user=None, **extra):
    extra.setdefault("to", "" if user else CLIENT_PHONE)
    return message_enqueue(
        actor=None,
        channel=extra.pop("channel", Channel.SMS),
        purpose=purpose,
        idempotency_key=key,
        body="Your group starts at 10:00.",
        user=user,
        **extra,
    )


def dispatch(message):
    message.refresh_from_db()
    return message_dispatch(
        message_id=message.pk, claim=str(message.claim) if message.claim else None
    )


def text_in(body: str, sid: str):
    return post_signed(
        "/hooks/twilio/sms",
        {"MessageSid": sid, "From": CLIENT_PHONE, "To": "+14155550100", "Body": body},
    )


def tonight(zone, hour, minute=0, *, days=1):
    """A wall-clock time in `zone` a few days ahead (consents given in fixtures are "now")."""
    day = (timezone.now() + timezone.timedelta(days=days)).astimezone(zone).date()
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)


@pytest.fixture
def quiet_hours(settings):
    settings.NOTIFY_QUIET_START, settings.NOTIFY_QUIET_END = 21, 8


def test_quiet_hours_hold_a_reminder_until_morning_in_the_recipients_zone(
    quiet_hours, texting_client
):
    user = texting_client.user
    user.time_zone = "America/Los_Angeles"
    user.save(update_fields=["time_zone"])
    # 06:30 in Los Angeles is 09:30 in New York, the clinic's zone: quiet only for the client.
    with time_machine.travel(tonight(LA, 6, 30), tick=False):
        message = enqueue("r1", user=user)
        assert dispatch(message) == "held"
    message.refresh_from_db()
    assert message.status == Status.QUEUED
    assert message.next_attempt_at == tonight(LA, 8)
    assert "America/Los_Angeles" in message.hold_reason
    assert locmem.outbox == []
    with time_machine.travel(tonight(LA, 22, 30), tick=False):
        evening = enqueue("r2", user=user)
        assert dispatch(evening) == "held"
    evening.refresh_from_db()
    assert evening.next_attempt_at == tonight(LA, 8, days=2), "an evening one waits for tomorrow"
    with time_machine.travel(tonight(LA, 7, 59), tick=False):
        assert message_sweep() == 0
    with time_machine.travel(tonight(LA, 8, 1), tick=False):
        assert message_sweep() == 1
        assert dispatch(message) == "sent"
    assert [sent.to for sent in locmem.outbox] == [CLIENT_PHONE]


def test_a_crisis_message_ignores_quiet_hours(quiet_hours, texting_client):
    with time_machine.travel(tonight(NY, 23, 45), tick=False):
        message = enqueue("c1", purpose=Purpose.CRISIS, user=texting_client.user)
        assert dispatch(message) == "sent"


def test_quiet_hours_cover_the_night_and_not_the_day(settings):
    settings.NOTIFY_QUIET_START, settings.NOTIFY_QUIET_END = 21, 8
    assert quiet_hours_end(datetime(2025, 3, 12, 20, 59, tzinfo=NY), NY) is None
    assert quiet_hours_end(datetime(2025, 3, 12, 21, 0, tzinfo=NY), NY) == datetime(
        2025, 3, 13, 8, tzinfo=NY
    )
    assert quiet_hours_end(datetime(2025, 3, 13, 3, 0, tzinfo=NY), NY) == datetime(
        2025, 3, 13, 8, tzinfo=NY
    )
    assert quiet_hours_end(datetime(2025, 3, 13, 8, 0, tzinfo=NY), NY) is None
    # The night clocks spring forward still ends at 08:00 local time.
    assert quiet_hours_end(datetime(2025, 3, 9, 1, 30, tzinfo=NY), NY) == datetime(
        2025, 3, 9, 8, tzinfo=NY
    )
    settings.NOTIFY_QUIET_START, settings.NOTIFY_QUIET_END = 1, 6
    assert quiet_hours_end(datetime(2025, 3, 12, 0, 30, tzinfo=NY), NY) is None
    assert quiet_hours_end(datetime(2025, 3, 12, 2, 0, tzinfo=NY), NY) == datetime(
        2025, 3, 12, 6, tzinfo=NY
    )


def test_the_rate_limit_holds_the_next_non_crisis_message_for_the_hour(settings, texting_client):
    settings.NOTIFY_RATE_LIMIT_PER_HOUR = 2
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for key in ("a", "b"):
            assert dispatch(enqueue(key, user=texting_client.user)) == "sent"
            clock.shift(60)
        third = enqueue("c", user=texting_client.user)
        assert dispatch(third) == "held"
        third.refresh_from_db()
        assert third.next_attempt_at == start + timezone.timedelta(hours=1)
        assert third.hold_reason.startswith("Rate limit")
        crisis = enqueue("crisis", purpose=Purpose.CRISIS, user=texting_client.user)
        assert dispatch(crisis) == "sent", "crisis messages are never rate limited"
        clock.move_to(third.next_attempt_at + timezone.timedelta(seconds=1))
        assert message_sweep() == 1
        assert dispatch(third) == "sent"


def test_stop_then_a_reminder_is_not_sent_and_start_sends_again(texting_client):
    assert text_in("STOP", "SM-in-1").status_code == 200
    assert SmsOptOut.objects.get(phone=CLIENT_PHONE).is_opted_out
    reminder = enqueue("after-stop", user=texting_client.user)
    assert dispatch(reminder) == "blocked"
    reminder.refresh_from_db()
    assert (reminder.status, reminder.error_code) == (Status.UNDELIVERABLE, "opted-out")
    assert locmem.outbox == []
    assert not OutboundMessage.objects.filter(channel=Channel.VOICE).exists(), "no fallback"

    assert text_in("Start", "SM-in-2").status_code == 200
    assert not SmsOptOut.objects.get(phone=CLIENT_PHONE).is_opted_out
    again = enqueue("after-start", user=texting_client.user)
    assert dispatch(again) == "sent"
    assert [sent.idempotency_key for sent in locmem.outbox] == ["after-start"]


def test_yes_restarts_texts_only_for_a_number_that_said_stop(texting_client):
    text_in("stop", "SM-in-1")
    text_in("YES", "SM-in-2")
    assert not SmsOptOut.objects.get(phone=CLIENT_PHONE).is_opted_out


def test_a_client_without_sms_consent_gets_no_reminder_texts(client_profile):
    client_profile.user.phone = CLIENT_PHONE
    client_profile.user.save(update_fields=["phone"])
    reminder = enqueue("r", user=client_profile.user)
    assert dispatch(reminder) == "blocked"
    reminder.refresh_from_db()
    assert reminder.error_code == "no-consent"
    crisis = enqueue("c", purpose=Purpose.CRISIS, user=client_profile.user)
    assert dispatch(crisis) == "sent", "an emergency is not held back by the texting consent"


def test_21610_on_a_crisis_text_falls_back_to_a_voice_call_staff_can_see(texting_client):
    crisis = enqueue("crisis:event-7:client", purpose=Purpose.CRISIS, user=texting_client.user)
    locmem.script(
        ProviderError(
            "Attempt to send to unsubscribed recipient",
            permanent=True,
            code="21610",
            recipient=True,
        )
    )
    assert dispatch(crisis) == "failed"
    crisis.refresh_from_db()
    assert (crisis.status, crisis.error_code, crisis.attempts) == (Status.UNDELIVERABLE, "21610", 1)
    call = crisis.fallbacks.get()
    assert call.channel == Channel.VOICE
    assert call.idempotency_key == "crisis:event-7:client:voice-fallback"
    assert (call.to, call.client, call.purpose) == (CLIENT_PHONE, texting_client, Purpose.CRISIS)
    assert SmsOptOut.objects.get(phone=CLIENT_PHONE).source == "provider"
    assert dispatch(call) == "sent"
    assert [(s.kind, s.to) for s in locmem.outbox] == [("call", CLIENT_PHONE)]


def test_21610_on_a_reminder_is_undeliverable_without_retry_or_fallback(texting_client):
    reminder = enqueue("r", user=texting_client.user)
    locmem.script(ProviderError("unsubscribed", permanent=True, code="21610", recipient=True))
    assert dispatch(reminder) == "failed"
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == (Status.UNDELIVERABLE, 1)
    assert not reminder.fallbacks.exists()
    assert message_sweep() == 0


def test_a_crisis_text_to_an_opted_out_number_becomes_a_call_without_trying_the_text(
    texting_client,
):
    text_in("STOP", "SM-in-1")
    crisis = enqueue("crisis:1", purpose=Purpose.CRISIS, user=texting_client.user)
    assert dispatch(crisis) == "blocked"
    assert locmem.outbox == []
    call = OutboundMessage.objects.get(fallback_for=crisis)
    assert dispatch(call) == "sent"
    assert [s.kind for s in locmem.outbox] == ["call"]


def test_the_fallback_is_created_once_however_often_the_text_fails(texting_client):
    from iop.notify.services import fall_back_to_voice

    crisis = enqueue("crisis:2", purpose=Purpose.CRISIS, user=texting_client.user)
    first = fall_back_to_voice(crisis)
    second = fall_back_to_voice(crisis)
    assert first.pk == second.pk
    assert OutboundMessage.objects.filter(channel=Channel.VOICE).count() == 1


async def receive_many(layer, channel: str, count: int) -> list[dict]:
    """Read `count` messages in one event loop (the layer's receive is tied to its loop)."""
    async with asyncio.timeout(5):
        return [await layer.receive(channel) for _ in range(count)]


def test_the_care_team_sees_on_the_live_feed_that_a_crisis_text_became_a_call(
    texting_client, clinician, program, support_agent, django_capture_on_commit_callbacks
):
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from iop.accounts.models import Role
    from iop.audit.models import AccessLog
    from iop.realtime.groups import user_group
    from tests.factories import StaffFactory

    # The client's clinician hears it. The on-call clinician may not see this client (no open
    # crisis), and a support agent sees nothing clinical: neither does.
    on_call = StaffFactory(role=Role.CLINICIAN, profile__program=program, profile__on_call=True)
    layer = get_channel_layer()
    channel = f"tests.notify.feed.{uuid.uuid4().hex}"
    async_to_sync(layer.group_add)(user_group(clinician.pk), channel)
    async_to_sync(layer.group_add)(user_group(on_call.pk), channel)
    async_to_sync(layer.group_add)(user_group(support_agent.pk), channel)
    crisis = enqueue("crisis:feed", purpose=Purpose.CRISIS, user=texting_client.user)
    locmem.script(ProviderError("landline", permanent=True, code="30006", recipient=True))
    with django_capture_on_commit_callbacks(execute=True):
        dispatch(crisis)
    # The channel listens for three people; only the clinician is sent (and audited) each event.
    events = {e["event"]: e for e in async_to_sync(receive_many)(layer, channel, 2)}
    assert set(events) == {"notify.fallback", "notify.problem"}
    assert AccessLog.objects.filter(actor=clinician, object_type="realtime.live_event").count() == 2
    assert not AccessLog.objects.filter(actor__in=[on_call, support_agent]).exists()
    fallback = events["notify.fallback"]["payload"]
    assert fallback["message_id"] == crisis.pk
    assert fallback["fallback_id"] == crisis.fallbacks.get().pk
    assert fallback["url"] == f"/staff/messages/{crisis.pk}/"
