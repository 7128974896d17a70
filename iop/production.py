"""What a production configuration (DEBUG off) must not be: each rule names its variable.

settings.py calls `refusals(...)` once the values are read and refuses to start on the first
one found. Pure functions of the values, so they can be tested without the environment.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography.fernet import Fernet

# Hosts that only ever mean "this machine" or Django's test client.
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]", "testserver"})
# Backends that print or keep messages in memory: nothing reaches a client.
_DEV_SMS_BACKENDS = frozenset({"", "console", "locmem"})
_DEV_EMAIL_BACKENDS = frozenset(
    {
        "console",
        "locmem",
        "dummy",
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",
        "django.core.mail.backends.dummy.EmailBackend",
    }
)
# The public Jitsi server: anyone with the room name gets in and it ignores our JWTs.
PUBLIC_JITSI_HOSTS = frozenset({"meet.jit.si"})
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE = 5
# A recording key-encryption key: `id:key`, the key 32 random bytes in url-safe base64 (the
# format of a Fernet key). The id is stored beside every data key it wraps, so it names one key
# for ever.
RECORDING_KEY_BYTES = 32
_RECORDING_KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
# 32 random bytes take about 30 different values; fewer than this is not a random key.
RECORDING_KEY_MIN_UNIQUE = 16


@dataclass(frozen=True)
class ProductionValues:
    public_base_url: str
    secret_key: str | None
    field_encryption_keys: list[str]
    recording_keys: list[str]
    allowed_hosts: list[str]
    sms_backend: str
    email_backend: str
    jitsi_base_url: str


def weak_secret_key(secret: str) -> str | None:
    """Why `secret` is too weak for Django's SECRET_KEY, or None when it is not."""
    if secret.startswith("django-insecure"):
        return "starts with 'django-insecure' (Django's generated development key)"
    if len(secret) < SECRET_KEY_MIN_LENGTH:
        return f"is shorter than {SECRET_KEY_MIN_LENGTH} characters"
    if len(set(secret)) < SECRET_KEY_MIN_UNIQUE:
        return f"has fewer than {SECRET_KEY_MIN_UNIQUE} different characters"
    return None


def invalid_fernet_key(keys: list[str]) -> int | None:
    """The 1-based position of the first key that is not a Fernet key, or None."""
    for index, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode())
        except (ValueError, TypeError):
            return index
    return None


def recording_keys_parse(entries: list[str]) -> list[tuple[str, bytes]]:
    """(id, key) of each `id:key` entry, in order; a ValueError names a bad entry by its
    1-based position and never echoes it."""
    parsed: list[tuple[str, bytes]] = []
    for position, entry in enumerate(entries, start=1):
        key_id, colon, encoded = entry.partition(":")
        if not colon or not _RECORDING_KEY_ID.fullmatch(key_id):
            raise ValueError(
                f"entry {position} must be id:key, the id 1-32 letters, digits, - or _"
            )
        try:
            key = base64.b64decode(encoded.encode(), altchars=b"-_", validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if len(key) != RECORDING_KEY_BYTES:
            raise ValueError(
                f"entry {position} has no valid key: it must be {RECORDING_KEY_BYTES} random "
                "bytes in url-safe base64"
            )
        if any(key_id == known for known, _ in parsed):
            raise ValueError(f"entry {position} repeats the id of an earlier entry")
        parsed.append((key_id, key))
    return parsed


def weak_recording_key(entries: list[str]) -> int | None:
    """The 1-based position of the first well-formed key that is not random enough, or None."""
    for position, (_, key) in enumerate(recording_keys_parse(entries), start=1):
        if len(set(key)) < RECORDING_KEY_MIN_UNIQUE:
            return position
    return None


def refusals(values: ProductionValues) -> list[str]:
    """Every reason this configuration must not run with DEBUG off; empty when it may."""
    found: list[str] = []
    if not values.public_base_url.startswith("https://"):
        found.append("PUBLIC_BASE_URL must be an https:// address when DEBUG is off")
    if values.secret_key is None:
        found.append("SECRET_KEY must be set when DEBUG is off")
    elif reason := weak_secret_key(values.secret_key):
        found.append(f"SECRET_KEY is too weak: it {reason}")
    if not values.field_encryption_keys:
        found.append("FIELD_ENCRYPTION_KEYS must be set when DEBUG is off")
    if not values.recording_keys:
        found.append("RECORDING_KEYS must be set when DEBUG is off")
    elif (weak := weak_recording_key(values.recording_keys)) is not None:
        found.append(
            f"RECORDING_KEYS entry {weak} is too weak: its key is not {RECORDING_KEY_BYTES} "
            "random bytes"
        )
    local = sorted(LOCAL_HOSTS.intersection(h.lower() for h in values.allowed_hosts))
    if local:
        found.append(
            f"ALLOWED_HOSTS must name the public host only when DEBUG is off; remove {local}"
        )
    if "*" in values.allowed_hosts:
        found.append("ALLOWED_HOSTS must not be '*' when DEBUG is off")
    if values.sms_backend in _DEV_SMS_BACKENDS:
        found.append(
            f"SMS_BACKEND is {values.sms_backend or 'console'!r}, which sends nothing: "
            "set SMS_BACKEND=twilio when DEBUG is off"
        )
    if values.email_backend in _DEV_EMAIL_BACKENDS:
        found.append(
            f"EMAIL_BACKEND is {values.email_backend!r}, which sends nothing: "
            "set an SMTP or provider backend when DEBUG is off"
        )
    video_host = (urlsplit(values.jitsi_base_url).hostname or "").lower()
    if video_host in PUBLIC_JITSI_HOSTS:
        found.append(
            f"JITSI_BASE_URL is the public {video_host}: production needs a self-hosted or "
            "JaaS Jitsi server with a JWT app (JITSI_APP_ID, JITSI_APP_SECRET)"
        )
    elif not values.jitsi_base_url.startswith("https://"):
        found.append("JITSI_BASE_URL must be an https:// address when DEBUG is off")
    return found


# LiveKit's own server refuses API secrets shorter than this.
LIVEKIT_SECRET_MIN_LENGTH = 32


@dataclass(frozen=True)
class LiveKitValues:
    default_video_provider: str
    url: str
    api_url: str
    api_key: str
    api_secret: str
    egress_s3_endpoint: str


def livekit_refusals(values: LiveKitValues) -> list[str]:
    """Why this LiveKit configuration must not run with DEBUG off; empty when it may or when
    LiveKit is not configured at all (no LIVEKIT_* value and not the default provider)."""
    in_use = values.default_video_provider == "livekit" or any(
        (values.url, values.api_key, values.api_secret)
    )
    if not in_use:
        return []
    found: list[str] = []
    if not values.url.startswith("wss://"):
        found.append("LIVEKIT_URL must be a wss:// address when DEBUG is off")
    if values.url and not values.api_url.startswith("https://"):
        found.append("LIVEKIT_API_URL must be an https:// address when DEBUG is off")
    if not values.api_key:
        found.append("LIVEKIT_API_KEY must be set when LiveKit is used with DEBUG off")
    if not values.api_secret:
        found.append("LIVEKIT_API_SECRET must be set when LiveKit is used with DEBUG off")
    elif len(values.api_secret) < LIVEKIT_SECRET_MIN_LENGTH:
        found.append(
            f"LIVEKIT_API_SECRET is too weak: it is shorter than {LIVEKIT_SECRET_MIN_LENGTH}"
            " characters"
        )
    elif len(set(values.api_secret)) < SECRET_KEY_MIN_UNIQUE:
        found.append(
            f"LIVEKIT_API_SECRET is too weak: it has fewer than {SECRET_KEY_MIN_UNIQUE}"
            " different characters"
        )
    if values.egress_s3_endpoint and not values.egress_s3_endpoint.startswith("https://"):
        # Recorded media crosses it in plaintext before Harbor encrypts it.
        found.append("LIVEKIT_EGRESS_S3_ENDPOINT must be an https:// address when DEBUG is off")
    return found
