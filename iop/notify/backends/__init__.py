"""The SMS/voice provider named by settings.SMS_BACKEND, one instance per thread."""

from __future__ import annotations

import threading

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from iop.notify.backends.base import (
    OutgoingCall,
    OutgoingText,
    Provider,
    ProviderError,
    SendResult,
    SmsBackend,
    VoiceBackend,
)

__all__ = [
    "OutgoingCall",
    "OutgoingText",
    "Provider",
    "ProviderError",
    "SendResult",
    "SmsBackend",
    "VoiceBackend",
    "provider",
]

BACKENDS = {
    "twilio": "iop.notify.backends.twilio.TwilioBackend",
    "console": "iop.notify.backends.console.ConsoleBackend",
    "locmem": "iop.notify.backends.locmem.LocmemBackend",
}

_local = threading.local()


def _settings_key() -> tuple:
    return (
        settings.SMS_BACKEND,
        settings.TWILIO_ACCOUNT_SID,
        settings.TWILIO_AUTH_TOKEN,
        settings.TWILIO_API_BASE_URL,
        settings.TWILIO_TIMEOUT_SECONDS,
    )


def provider() -> Provider:
    """The configured provider (an SmsBackend and VoiceBackend); rebuilt when settings change."""
    key = _settings_key()
    cached = getattr(_local, "provider", None)
    if cached is not None and cached[0] == key:
        found: Provider = cached[1]
        return found
    name = settings.SMS_BACKEND or "console"
    path = BACKENDS.get(name, name)
    try:
        backend: Provider = import_string(path)()
    except ImportError as exc:
        raise ImproperlyConfigured(
            f"SMS_BACKEND must be one of {', '.join(BACKENDS)} or a dotted path; got {name!r}"
        ) from exc
    _local.provider = (key, backend)
    return backend
