"""What every message provider offers, and how it reports failure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class SendResult:
    """The provider took the message: its id for it, and the status it answered with."""

    provider_id: str
    provider_status: str = "queued"
    delivered: bool = False


class ProviderError(Exception):
    """The provider did not take the message. `permanent` means retrying cannot help.

    `recipient` marks permanent errors about the recipient (invalid number, unsubscribed,
    landline): the message is then undeliverable rather than failed.
    """

    def __init__(
        self, message: str, *, permanent: bool, code: str = "", recipient: bool = False
    ) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.code = str(code or "")
        self.recipient = recipient

    def __repr__(self) -> str:
        kind = "permanent" if self.permanent else "transient"
        return f"ProviderError({kind}, code={self.code!r}, {self.message!r})"


@dataclass(frozen=True)
class OutgoingText:
    to: str
    body: str
    idempotency_key: str
    status_callback: str


@dataclass(frozen=True)
class OutgoingCall:
    to: str
    say: str
    idempotency_key: str
    status_callback: str
    twiml_url: str = ""  # when set, the call fetches its TwiML here instead of saying `say`


class SmsBackend(Protocol):
    name: str

    def send_sms(self, text: OutgoingText) -> SendResult: ...


class VoiceBackend(Protocol):
    name: str

    def place_call(self, call: OutgoingCall) -> SendResult: ...


class Provider(SmsBackend, VoiceBackend, Protocol):
    """One provider sends both texts and calls (Twilio, the console, the local memory)."""
