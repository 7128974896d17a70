"""The development provider: logs each text or call and reports it delivered at once.

The staff outbox page (/staff/outbox/) lists what it "sent", so `make run` shows every message
without a Twilio account.
"""

from __future__ import annotations

import logging
import uuid

from iop.notify.backends.base import OutgoingCall, OutgoingText, SendResult

log = logging.getLogger("iop.notify.console")


class ConsoleBackend:
    name = "console"

    def send_sms(self, text: OutgoingText) -> SendResult:
        log.info("SMS to %s [%s]: %s", text.to, text.idempotency_key, text.body)
        return SendResult(
            provider_id=f"console-{uuid.uuid4().hex}", provider_status="delivered", delivered=True
        )

    def place_call(self, call: OutgoingCall) -> SendResult:
        log.info(
            "CALL to %s [%s] %s",
            call.to,
            call.idempotency_key,
            f"plays {call.twiml_url}" if call.twiml_url else f"says: {call.say}",
        )
        return SendResult(
            provider_id=f"console-{uuid.uuid4().hex}", provider_status="completed", delivered=True
        )
