"""Production is DEBUG off, and with DEBUG off Harbor refuses to start on anything unsafe.

Each refusal starts the settings in a subprocess with otherwise production-ready values
(tests/test_settings.production_env) and one value made unsafe; the error names the variable.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.test_settings import ROOT, deploy_check, production_env


def _start(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_production_values_start():
    result = _start(production_env())

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PUBLIC_BASE_URL", "http://harbor.example.org"),
        ("SMS_BACKEND", "console"),
        ("SMS_BACKEND", "locmem"),
        ("SMS_BACKEND", None),  # the default is console
        ("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"),
        ("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend"),
        ("EMAIL_BACKEND", None),  # the default is console
        ("JITSI_BASE_URL", "https://meet.jit.si"),
        ("JITSI_BASE_URL", None),  # the default is the public meet.jit.si
        ("ALLOWED_HOSTS", "harbor.example.org,localhost"),
        ("ALLOWED_HOSTS", "127.0.0.1,harbor.example.org"),
        ("ALLOWED_HOSTS", "testserver"),
        ("SECRET_KEY", None),
        ("SECRET_KEY", "django-insecure-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEF"),
        ("SECRET_KEY", "ab" * 30),  # 60 characters, 2 different ones
        ("FIELD_ENCRYPTION_KEYS", None),
        ("FIELD_ENCRYPTION_KEYS", "bm90LWEta2V5"),
        ("RECORDING_KEYS", None),
        ("RECORDING_KEYS", "k1:" + "A" * 43 + "="),  # 32 zero bytes: well-formed, not random
        ("RECORDING_KEYS", "k1:" + "ABCD" * 10 + "ABC="),  # 3 different bytes repeated
    ],
)
def test_debug_off_refuses_an_unsafe_value_naming_the_variable(variable, value):
    result = _start(production_env(**{variable: value}))

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    message = result.stderr.strip().splitlines()[-1]
    assert variable in message
    if value is not None and variable in ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "RECORDING_KEYS"):
        assert value not in result.stderr  # secrets are never echoed


def test_the_public_jitsi_server_is_refused_even_with_a_jwt_app():
    # meet.jit.si ignores a JWT: anyone with the room name gets in.
    env = production_env(
        JITSI_BASE_URL="https://meet.jit.si", JITSI_APP_ID="harbor", JITSI_APP_SECRET="x" * 40
    )

    result = _start(env)

    assert result.returncode != 0
    assert "JITSI_BASE_URL" in result.stderr


def test_a_self_hosted_video_server_with_a_jwt_app_starts():
    env = production_env(
        JITSI_BASE_URL="https://8x8.vc", JITSI_APP_ID="vpaas-magic-cookie-1", JITSI_APP_SECRET="s"
    )

    assert _start(env).returncode == 0


def test_an_https_public_url_is_not_production_when_debug_is_on():
    # The public URL no longer decides: DEBUG=1 with https is development, and starts as such.
    env = production_env(DEBUG="1", SMS_BACKEND="console", JITSI_BASE_URL=None)
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.PRODUCTION, s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False False 0"


def test_debug_unset_is_production():
    result = _start(production_env(DEBUG=None, SMS_BACKEND="console"))

    assert result.returncode != 0
    assert "SMS_BACKEND" in result.stderr


def test_seed_demo_refuses_a_production_configuration():
    result = subprocess.run(
        [sys.executable, "manage.py", "seed_demo"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "seed_demo" in result.stderr
    assert "DEBUG" in result.stderr


def test_the_makefile_deploy_values_pass_the_deploy_checks():
    makefile = (ROOT / "Makefile").read_text()
    block = makefile.split("DEPLOY_ENV :=", 1)[1].split("\n\n", 1)[0]
    values = dict(item.split("=", 1) for item in block.replace("\\\n", " ").split() if "=" in item)
    unset = dict.fromkeys(("SMS_BACKEND", "EMAIL_BACKEND", "JITSI_BASE_URL"))
    env = production_env(**{**unset, **values})

    result = deploy_check(env)

    assert result.returncode == 0, result.stdout + result.stderr


# --- LiveKit (sessions_app/video.py, recordings/providers/livekit.py) ---------------------------

LIVEKIT_SECRET = "lk-" + "Q7f2" * 10  # 43 characters
LIVEKIT_ENV = {
    "LIVEKIT_URL": "wss://rooms.example.org",
    "LIVEKIT_API_KEY": "APIharbor",
    "LIVEKIT_API_SECRET": LIVEKIT_SECRET,
}


def test_a_complete_livekit_configuration_starts_and_its_server_may_be_connected_to():
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.LIVEKIT_API_URL, s.CONTENT_SECURITY_POLICY['DIRECTIVES']['connect-src'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=production_env(**LIVEKIT_ENV, SESSIONS_VIDEO_PROVIDER="livekit"),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("https://rooms.example.org ")
    assert "'wss://rooms.example.org'" in result.stdout
    assert "'https://rooms.example.org'" in result.stdout


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("LIVEKIT_URL", "ws://rooms.example.org"),
        ("LIVEKIT_API_URL", "http://rooms.internal:7880"),
        ("LIVEKIT_API_KEY", None),
        ("LIVEKIT_API_SECRET", None),
        ("LIVEKIT_API_SECRET", "short-secret"),
        ("LIVEKIT_API_SECRET", "ab" * 20),  # 40 characters, 2 different ones
        ("LIVEKIT_EGRESS_S3_ENDPOINT", "http://minio.internal:9000"),
    ],
)
def test_debug_off_refuses_livekit_with_a_missing_or_weak_value(variable, value):
    result = _start(production_env(**{**LIVEKIT_ENV, variable: value}))

    assert result.returncode != 0
    message = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in message and variable in message
    if variable == "LIVEKIT_API_SECRET" and value is not None:
        assert value not in result.stderr  # secrets are never echoed


def test_livekit_as_the_default_provider_needs_its_server_and_keys_even_in_development():
    result = _start(production_env(DEBUG="1", SESSIONS_VIDEO_PROVIDER="livekit"))

    assert result.returncode != 0
    assert "LIVEKIT_URL" in result.stderr.strip().splitlines()[-1]


def test_debug_off_refuses_the_local_recorder():
    """The local recorder records no one: a production Harbor must not pretend to record."""
    assert _start(production_env(RECORDING_PROVIDER_LOCAL="0")).returncode == 0
    result = _start(production_env(RECORDING_PROVIDER_LOCAL="1"))

    assert result.returncode != 0
    assert "RECORDING_PROVIDER_LOCAL" in result.stderr.strip().splitlines()[-1]
