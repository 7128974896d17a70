"""The test provider: keeps what it sends in memory and answers what a test scripts.

from iop.notify.backends import locmem
locmem.script(ProviderError("busy", permanent=False, code="500"))  # next send fails once
... dispatch ...
assert [item.to for item in locmem.outbox] == ["+14155550123"]
"""

from __future__ import annotations

import threading
import uuid
from collections import deque
from dataclasses import dataclass

from iop.notify.backends.base import OutgoingCall, OutgoingText, ProviderError, SendResult


@dataclass(frozen=True)
class Sent:
    kind: str  # "sms" or "call"
    to: str
    body: str
    idempotency_key: str
    status_callback: str
    provider_id: str
    twiml_url: str = ""


outbox: list[Sent] = []
_script: deque[ProviderError | None] = deque()
_lock = threading.Lock()


def reset() -> None:
    with _lock:
        outbox.clear()
        _script.clear()


def script(*outcomes: ProviderError | None) -> None:
    """The next sends raise these errors in order (None means succeed); then all succeed."""
    with _lock:
        _script.extend(outcomes)


class LocmemBackend:
    name = "locmem"

    def _take(
        self, kind: str, to: str, body: str, key: str, callback: str, twiml_url: str = ""
    ) -> SendResult:
        with _lock:
            outcome = _script.popleft() if _script else None
            if outcome is not None:
                raise outcome
            sid = ("SM" if kind == "sms" else "CA") + uuid.uuid4().hex
            outbox.append(Sent(kind, to, body, key, callback, sid, twiml_url))
        return SendResult(provider_id=sid, provider_status="queued")

    def send_sms(self, text: OutgoingText) -> SendResult:
        return self._take("sms", text.to, text.body, text.idempotency_key, text.status_callback)

    def place_call(self, call: OutgoingCall) -> SendResult:
        return self._take(
            "call", call.to, call.say, call.idempotency_key, call.status_callback, call.twiml_url
        )
