"""The twilio backend, with the real twilio client, against the local Twilio server."""

from __future__ import annotations

import base64
import time

import pytest

from iop.notify.backends import OutgoingCall, OutgoingText, ProviderError, provider
from iop.notify.backends.twilio import TwilioBackend
from tests.notify.conftest import CLIENT_PHONE, CLINIC_NUMBER
from tests.twilio_fake import ACCOUNT_SID, AUTH_TOKEN, Hang, Reply

CALLBACK = "https://harbor.example.org/hooks/twilio/status?m=1"


def text(key="k1"):
    return OutgoingText(CLIENT_PHONE, "Your group starts at 10:00.", key, CALLBACK)


def test_settings_choose_the_twilio_backend(twilio_backend):
    assert isinstance(provider(), TwilioBackend)


def test_a_text_is_created_with_the_from_number_and_status_callback(twilio_backend):
    result = provider().send_sms(text())
    assert result.provider_id.startswith("SM") and len(result.provider_id) == 34
    assert result.provider_status == "queued"
    [request] = twilio_backend.requests
    assert request.kind == "Messages"
    assert request.form == {
        "To": CLIENT_PHONE,
        "From": CLINIC_NUMBER,
        "Body": "Your group starts at 10:00.",
        "StatusCallback": CALLBACK,
    }
    credentials = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {credentials}"
    assert request.headers["Idempotency-Key"] == "k1"


def test_a_messaging_service_is_used_instead_of_a_from_number(twilio_backend, settings):
    settings.TWILIO_MESSAGING_SERVICE_SID = "MG" + "a" * 32
    result = provider().send_sms(text())
    assert result.provider_status == "accepted"
    form = twilio_backend.requests[0].form
    assert form["MessagingServiceSid"] == "MG" + "a" * 32
    assert "From" not in form


def test_a_repeated_idempotency_key_gets_the_same_message_from_the_server(twilio_backend):
    first = provider().send_sms(text("same"))
    second = provider().send_sms(text("same"))
    assert first.provider_id == second.provider_id
    assert len(twilio_backend.messages()) == 1


@pytest.mark.parametrize(
    ("reply", "permanent", "recipient", "code"),
    [
        (Reply(400, code=21211), True, True, "21211"),
        (Reply(400, code=21610), True, True, "21610"),
        (Reply(400, code=30006), True, True, "30006"),
        (Reply(400, code=30003), False, False, "30003"),
        (Reply(401, code=20003), True, False, "20003"),
        (Reply(429), False, False, "20429"),
        (Reply(500), False, False, "20500"),
        (Reply(503, code=20503, message="Service Unavailable"), False, False, "20503"),
    ],
)
def test_errors_say_whether_they_are_permanent(twilio_backend, reply, permanent, recipient, code):
    twilio_backend.respond(reply)
    with pytest.raises(ProviderError) as raised:
        provider().send_sms(text())
    assert (raised.value.permanent, raised.value.recipient, raised.value.code) == (
        permanent,
        recipient,
        code,
    )
    assert twilio_backend.messages() == []


def test_an_invalid_number_error_carries_twilios_message(twilio_backend):
    twilio_backend.respond(Reply(400, code=21211))
    with pytest.raises(ProviderError, match=r"The 'To' number \+14155550123 is not a valid"):
        provider().send_sms(text())


def test_a_server_that_hangs_is_a_transient_timeout_after_the_request_timeout(
    twilio_backend, settings
):
    settings.TWILIO_TIMEOUT_SECONDS = 1
    twilio_backend.respond(Hang(seconds=10))
    started = time.monotonic()
    with pytest.raises(ProviderError) as raised:
        provider().send_sms(text())
    assert time.monotonic() - started < 3
    assert (raised.value.permanent, raised.value.code) == (False, "timeout")


def test_an_unreachable_api_is_transient(twilio_backend, settings):
    from tests.servers import closed_port

    with closed_port() as port:
        settings.TWILIO_API_BASE_URL = f"http://127.0.0.1:{port}"
        with pytest.raises(ProviderError) as raised:
            provider().send_sms(text())
    assert (raised.value.permanent, raised.value.code) == (False, "network")


def test_a_call_says_the_message_and_reports_progress(twilio_backend):
    result = provider().place_call(
        OutgoingCall(CLIENT_PHONE, "Please call the clinic.", "c1", CALLBACK)
    )
    assert result.provider_id.startswith("CA")
    [request] = twilio_backend.requests
    assert request.kind == "Calls"
    assert request.form["From"] == CLINIC_NUMBER
    assert request.form["StatusCallback"] == CALLBACK
    assert "<Say>Please call the clinic.</Say>" in request.form["Twiml"]
    assert len(twilio_backend.calls()) == 1


def test_missing_credentials_are_a_permanent_configuration_error(twilio_backend, settings):
    settings.TWILIO_AUTH_TOKEN = ""
    with pytest.raises(ProviderError) as raised:
        provider().send_sms(text())
    assert (raised.value.permanent, raised.value.code) == (True, "config")
    assert twilio_backend.requests == []


def test_a_call_needs_a_from_number(twilio_backend, settings):
    settings.TWILIO_FROM_NUMBER = ""
    with pytest.raises(ProviderError) as raised:
        provider().place_call(OutgoingCall(CLIENT_PHONE, "Hello", "c1", CALLBACK))
    assert raised.value.code == "config"


def test_an_interactive_call_fetches_its_twiml_from_the_registered_url(twilio_backend):
    url = "https://harbor.example.org/hooks/crisis/voice/7"
    provider().place_call(OutgoingCall(CLIENT_PHONE, "unused", "c2", CALLBACK, twiml_url=url))
    form = twilio_backend.requests[0].form
    assert (form["Url"], form["Method"]) == (url, "POST")
    assert "Twiml" not in form
