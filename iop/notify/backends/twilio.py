"""Twilio Programmable Messaging and Voice, through the official `twilio` client.

Twilio's Messages and Calls APIs have no idempotency keys, so delivery is at-least-once: if
a worker dies after Twilio accepted a message and before the outbox row says so, the sweep
sends it again once the row's lease expires. We narrow that window twice: the StatusCallback
URL carries the outbox id, so a receipt that arrives first marks the row sent and the retry
never happens; and every request carries an `Idempotency-Key` header, which providers (and our
test server) that honour it use to answer the retry with the first message instead of a copy.
"""

from __future__ import annotations

from contextvars import ContextVar

import requests
from django.conf import settings
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from twilio.twiml.voice_response import VoiceResponse

from iop.notify.backends.base import OutgoingCall, OutgoingText, ProviderError, SendResult

IDEMPOTENCY_HEADER = "Idempotency-Key"
# Worth retrying: Twilio's own rate limit and queue overflow, and "unreachable handset" (30003).
TRANSIENT_CODES = frozenset({"20429", "30001", "30003", "30008"})
# Permanent and about the recipient: invalid or non-mobile number, unsubscribed, landline.
RECIPIENT_CODES = frozenset({"21211", "21610", "21612", "21614", "30004", "30005", "30006"})
CALL_EVENTS = ["initiated", "ringing", "answered", "completed"]

_idempotency_key: ContextVar[str | None] = ContextVar("twilio_idempotency_key", default=None)


class _HttpClient(TwilioHttpClient):
    """The stock client, adding the idempotency key of the message being sent."""

    def request(self, method, url, params=None, data=None, headers=None, **kwargs):
        key = _idempotency_key.get()
        if key:
            headers = {**(headers or {}), IDEMPOTENCY_HEADER: key}
        return super().request(method, url, params=params, data=data, headers=headers, **kwargs)


def classify(status: int | None, code: object, message: str) -> ProviderError:
    """Turn Twilio's HTTP status and error code into a transient or permanent ProviderError."""
    code_text = "" if code is None else str(code)
    if code_text in RECIPIENT_CODES:
        return ProviderError(message, permanent=True, code=code_text, recipient=True)
    if code_text in TRANSIENT_CODES or status is None or status == 429 or status >= 500:
        return ProviderError(message, permanent=False, code=code_text or str(status or ""))
    return ProviderError(message, permanent=True, code=code_text or str(status))


class TwilioBackend:
    name = "twilio"

    def __init__(self) -> None:
        self.client = Client(
            settings.TWILIO_ACCOUNT_SID or None,
            settings.TWILIO_AUTH_TOKEN or None,
            http_client=_HttpClient(timeout=settings.TWILIO_TIMEOUT_SECONDS),
        )
        if settings.TWILIO_API_BASE_URL:
            self.client.api.base_url = settings.TWILIO_API_BASE_URL.rstrip("/")

    def _require_account(self) -> None:
        if not (settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN):
            raise ProviderError(
                "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are not set.",
                permanent=True,
                code="config",
            )

    def send_sms(self, text: OutgoingText) -> SendResult:
        self._require_account()
        sender: dict[str, str] = {}
        if settings.TWILIO_MESSAGING_SERVICE_SID:
            sender["messaging_service_sid"] = settings.TWILIO_MESSAGING_SERVICE_SID
        elif settings.TWILIO_FROM_NUMBER:
            sender["from_"] = settings.TWILIO_FROM_NUMBER
        else:
            raise ProviderError(
                "Set TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER.",
                permanent=True,
                code="config",
            )
        message = self._call(
            text.idempotency_key,
            lambda: self.client.messages.create(
                to=text.to, body=text.body, status_callback=text.status_callback, **sender
            ),
        )
        return SendResult(provider_id=message.sid, provider_status=str(message.status or "queued"))

    def place_call(self, call: OutgoingCall) -> SendResult:
        self._require_account()
        if not settings.TWILIO_FROM_NUMBER:
            raise ProviderError(
                "Set TWILIO_FROM_NUMBER to place calls.", permanent=True, code="config"
            )
        if call.twiml_url:
            source = {"url": call.twiml_url, "method": "POST"}
        else:
            twiml = VoiceResponse()
            # Said twice: the first words of an answered call are often lost while it connects.
            twiml.say(call.say)
            twiml.pause(length=1)
            twiml.say(call.say)
            source = {"twiml": str(twiml)}
        placed = self._call(
            call.idempotency_key,
            lambda: self.client.calls.create(
                to=call.to,
                from_=settings.TWILIO_FROM_NUMBER,
                **source,
                status_callback=call.status_callback,
                status_callback_event=CALL_EVENTS,
                status_callback_method="POST",
            ),
        )
        return SendResult(provider_id=placed.sid, provider_status=str(placed.status or "queued"))

    def _call(self, idempotency_key: str, create):
        token = _idempotency_key.set(idempotency_key)
        try:
            return create()
        except TwilioRestException as exc:
            raise classify(exc.status, exc.code, str(exc.msg)) from exc
        except TwilioServiceException as exc:
            raise classify(exc.status, exc.code, str(exc.detail or exc.title)) from exc
        except requests.Timeout as exc:
            raise ProviderError(
                f"Twilio did not answer: {exc}", permanent=False, code="timeout"
            ) from exc
        except requests.RequestException as exc:
            raise ProviderError(
                f"Twilio unreachable: {exc}", permanent=False, code="network"
            ) from exc
        except TwilioException as exc:
            raise ProviderError(str(exc), permanent=False, code="twilio") from exc
        finally:
            _idempotency_key.reset(token)
