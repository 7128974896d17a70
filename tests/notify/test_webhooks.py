"""Twilio's webhooks: signatures, delivery receipts, inbound texts, the hotline."""

from __future__ import annotations

import pytest
from django.test import Client
from twilio.request_validator import RequestValidator

from iop.accounts.models import StaffProfile
from iop.notify import receivers
from iop.notify.models import (
    Channel,
    DeliveryReceipt,
    InboundMessage,
    OutboundMessage,
    Purpose,
    Status,
)
from iop.notify.services import message_dispatch, message_enqueue
from tests.notify.conftest import CLIENT_PHONE, CLINIC_NUMBER
from tests.notify.webhook_client import post_signed, signature
from tests.twilio_fake import AUTH_TOKEN

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(texting_client):
    """A crisis text the provider has taken (status sent, with its SID)."""
    message = message_enqueue(
        actor=None,
        channel=Channel.SMS,
        purpose=Purpose.CRISIS,
        idempotency_key="crisis:1",
        user=texting_client.user,
        body="Your clinician will call you within 10 minutes.",
    )
    assert message_dispatch(message_id=message.pk, claim=str(message.claim)) == "sent"
    message.refresh_from_db()
    return message


def receipt(message, status, **extra):
    params = {
        "AccountSid": "AC" + "1f" * 16,
        "MessageSid": message.provider_id,
        "SmsSid": message.provider_id,
        "MessageStatus": status,
        "SmsStatus": status,
        "To": message.to,
        "From": CLINIC_NUMBER,
        "ApiVersion": "2010-04-01",
        **extra,
    }
    return post_signed(f"/hooks/twilio/status?m={message.pk}", params)


def snapshot(message):
    message.refresh_from_db()
    return (message.status, message.provider_status, message.delivered_at, message.updated_at)


@pytest.mark.parametrize(
    "forge",
    [
        {},  # no signature at all
        {"HTTP_X_TWILIO_SIGNATURE": "bm90IGEgc2lnbmF0dXJl"},
        {"HTTP_X_TWILIO_SIGNATURE": "signed-with-another-token"},
        {"HTTP_X_TWILIO_SIGNATURE": "signed-for-the-internal-address"},
        {"HTTP_X_TWILIO_SIGNATURE": "signed-for-other-params"},
    ],
)
def test_a_forged_receipt_is_refused_and_changes_nothing(sent, forge):
    path = f"/hooks/twilio/status?m={sent.pk}"
    params = {"MessageSid": sent.provider_id, "MessageStatus": "delivered"}
    header = forge.get("HTTP_X_TWILIO_SIGNATURE")
    if header == "signed-with-another-token":
        forge = {"HTTP_X_TWILIO_SIGNATURE": signature(path, params, token="f" * 32)}
    elif header == "signed-for-the-internal-address":
        internal = RequestValidator(AUTH_TOKEN).compute_signature(
            "http://testserver" + path, params
        )
        forge = {"HTTP_X_TWILIO_SIGNATURE": internal}
    elif header == "signed-for-other-params":
        forge = {"HTTP_X_TWILIO_SIGNATURE": signature(path, {**params, "MessageStatus": "sent"})}
    before = snapshot(sent)
    response = Client().post(path, params, **forge)
    assert response.status_code == 403
    assert snapshot(sent) == before
    assert DeliveryReceipt.objects.count() == 0


def test_a_signed_receipt_is_applied(sent):
    response = receipt(sent, "delivered")
    assert response.status_code == 204
    sent.refresh_from_db()
    assert sent.status == Status.DELIVERED
    assert sent.delivered_at is not None
    assert DeliveryReceipt.objects.get().applied


@pytest.mark.parametrize(
    "order",
    [
        ["queued", "sent", "delivered"],
        ["delivered", "sent", "queued"],
        ["sent", "delivered", "delivered", "sent"],
        ["delivered", "delivered"],
    ],
)
def test_receipts_twice_or_out_of_order_end_in_the_same_state(sent, order):
    for status in order:
        assert receipt(sent, status).status_code == 204
    sent.refresh_from_db()
    assert (sent.status, sent.provider_status) == (Status.DELIVERED, "delivered")
    assert DeliveryReceipt.objects.filter(applied=True).count() == 1
    assert DeliveryReceipt.objects.count() == len(order)


def test_a_receipt_before_the_worker_recorded_the_send_marks_it_sent(texting_client):
    """The worker died after Twilio took the message: the receipt names it by outbox id."""
    message = message_enqueue(
        actor=None,
        channel=Channel.SMS,
        purpose=Purpose.REMINDER,
        idempotency_key="r1",
        user=texting_client.user,
        body="Hello",
    )
    OutboundMessage.objects.filter(pk=message.pk).update(status=Status.SENDING, attempts=1)
    response = post_signed(
        f"/hooks/twilio/status?m={message.pk}",
        {"MessageSid": "SM" + "b" * 32, "MessageStatus": "sent"},
    )
    assert response.status_code == 204
    message.refresh_from_db()
    assert (message.status, message.provider_id) == (Status.SENT, "SM" + "b" * 32)
    assert message.claim is None, "the sweep will not send it again"


def test_an_undelivered_crisis_text_falls_back_to_a_call(sent):
    receipt(sent, "undelivered", ErrorCode="30006")
    sent.refresh_from_db()
    assert (sent.status, sent.error_code) == (Status.UNDELIVERABLE, "30006")
    assert sent.fallbacks.get().channel == Channel.VOICE
    receipt(sent, "undelivered", ErrorCode="30006")
    assert OutboundMessage.objects.filter(channel=Channel.VOICE).count() == 1


def test_call_receipts_use_the_same_ladder(texting_client):
    call = message_enqueue(
        actor=None,
        channel=Channel.VOICE,
        purpose=Purpose.CRISIS,
        idempotency_key="call",
        to=CLIENT_PHONE,
        body="Please call us.",
    )
    message_dispatch(message_id=call.pk, claim=str(call.claim))
    call.refresh_from_db()
    for status in ("completed", "ringing", "initiated"):
        post_signed("/hooks/twilio/status", {"CallSid": call.provider_id, "CallStatus": status})
    call.refresh_from_db()
    assert call.status == Status.DELIVERED


def test_a_receipt_without_a_sid_is_a_bad_request():
    assert post_signed("/hooks/twilio/status", {"MessageStatus": "sent"}).status_code == 400


def test_webhooks_only_take_post():
    assert Client().get("/hooks/twilio/status").status_code == 405


def inbound(body, sid="SM-in-1", sender=CLIENT_PHONE):
    return post_signed(
        "/hooks/twilio/sms", {"MessageSid": sid, "From": sender, "To": CLINIC_NUMBER, "Body": body}
    )


def test_help_is_answered_with_the_crisis_lines():
    response = inbound("help")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml"
    assert b"988" in response.content and b"STOP" in response.content


def test_a_forged_inbound_text_is_refused():
    response = Client().post(
        "/hooks/twilio/sms", {"MessageSid": "SMx", "From": CLIENT_PHONE, "Body": "STOP"}
    )
    assert response.status_code == 403
    assert InboundMessage.objects.count() == 0


@pytest.fixture
def recorded():
    calls = []

    def handler(message):
        calls.append(message)
        return "Thanks, your care team will see this."

    receivers.register("tests.recorder", handler)
    yield calls
    receivers.unregister("tests.recorder")


def test_other_texts_go_to_the_registered_receivers_once(recorded, texting_client):
    receivers.register("tests.broken", lambda message: 1 / 0, priority=1)
    try:
        response = inbound("I am having a hard night")
        inbound("I am having a hard night")  # Twilio retried the webhook
    finally:
        receivers.unregister("tests.broken")
    assert [m.body for m in recorded] == ["I am having a hard night"]
    assert recorded[0].client == texting_client
    assert b"your care team will see this" in response.content
    handled = InboundMessage.objects.get().handled_by
    assert "tests.recorder" in handled and "tests.broken" not in handled


def test_keywords_are_not_passed_to_receivers(recorded):
    inbound("STOP", sid="SM1")
    inbound("start", sid="SM2")
    inbound("HELP", sid="SM3")
    assert recorded == []


def test_the_hotline_dials_the_on_call_number_then_988(settings):
    settings.HOTLINE_ON_CALL_NUMBER = "+14155550199"
    response = post_signed(
        "/hooks/twilio/voice", {"CallSid": "CA1", "From": CLIENT_PHONE, "To": CLINIC_NUMBER}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<Number>+14155550199</Number>" in body or ">+14155550199</Dial>" in body
    assert 'action="https://harbor.example.org/hooks/twilio/voice/fallback"' in body
    assert InboundMessage.objects.get(provider_id="CA1").channel == Channel.VOICE

    missed = post_signed(
        "/hooks/twilio/voice/fallback", {"CallSid": "CA1", "DialCallStatus": "no-answer"}
    )
    assert ">988</Dial>" in missed.content.decode()
    answered = post_signed(
        "/hooks/twilio/voice/fallback", {"CallSid": "CA1", "DialCallStatus": "completed"}
    )
    assert "<Hangup" in answered.content.decode()
    assert "988" not in answered.content.decode()


def test_the_hotline_rings_the_on_call_clinician_without_a_configured_number(clinician):
    profile = StaffProfile.objects.get(user=clinician)
    profile.is_on_call = True
    profile.after_hours_phone = "+14155550177"
    profile.save()
    response = post_signed("/hooks/twilio/voice", {"CallSid": "CA2", "From": CLIENT_PHONE})
    assert "+14155550177" in response.content.decode()


def test_the_hotline_goes_straight_to_988_when_nobody_is_on_call():
    response = post_signed("/hooks/twilio/voice", {"CallSid": "CA3", "From": CLIENT_PHONE})
    body = response.content.decode()
    assert ">988</Dial>" in body


def test_a_forged_hotline_call_is_refused(settings):
    settings.HOTLINE_ON_CALL_NUMBER = "+14155550199"
    response = Client().post("/hooks/twilio/voice", {"CallSid": "CA1", "From": CLIENT_PHONE})
    assert response.status_code == 403
    assert b"+14155550199" not in response.content


def test_the_hotline_follows_the_on_call_rota_over_the_old_flag(clinician, other_clinician):
    from datetime import timedelta

    from django.utils import timezone

    from crisis.models import OnCallShift

    flagged = StaffProfile.objects.get(user=clinician)
    flagged.is_on_call = True
    flagged.after_hours_phone = "+14155550177"
    flagged.save()
    rota = StaffProfile.objects.get(user=other_clinician)
    rota.after_hours_phone = "+14155550188"
    rota.save()
    now = timezone.now()
    OnCallShift.objects.create(
        program=rota.program,
        user=other_clinician,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=7),
        time_zone="America/New_York",
    )
    response = post_signed("/hooks/twilio/voice", {"CallSid": "CA9", "From": CLIENT_PHONE})
    body = response.content.decode()
    assert "+14155550188" in body
    assert "+14155550177" not in body
