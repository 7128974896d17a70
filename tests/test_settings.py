"""Settings come from the environment: production passes the deploy checks; bad values fail."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
SECRET = "s3cret-" + "k" * 53  # 60 characters
FERNET_KEY = Fernet.generate_key().decode()
RECORDING_KEY = "k1:" + Fernet.generate_key().decode()  # the same format: 32 bytes, base64

# Variables settings.py reads; the subprocess starts from none of them but the ones we give.
_SETTINGS_VARIABLES = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "PUBLIC_BASE_URL",
    "FIELD_ENCRYPTION_KEYS",
    "RECORDING_KEYS",
    "RECORDING_STORAGE",
    "RECORDING_STORAGE_DIR",
    "RECORDING_CHUNK_BYTES",
    "RECORDING_S3_BUCKET",
    "RECORDING_S3_ENDPOINT_URL",
    "TIME_ZONE",
    "SESSION_ABSOLUTE_SECONDS",
    "SESSION_IDLE_SECONDS_STAFF",
    "SESSION_IDLE_SECONDS_CLIENT",
    "AXES_FAILURE_LIMIT",
    "AXES_COOLOFF_MINUTES",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "BEHIND_TLS_PROXY",
    "TRUSTED_PROXIES",
    "SMS_BACKEND",
    "EMAIL_BACKEND",
    "SESSIONS_VIDEO_PROVIDER",
    "JITSI_BASE_URL",
    "JITSI_APP_ID",
    "JITSI_APP_SECRET",
    "LIVEKIT_URL",
    "LIVEKIT_API_URL",
    "LIVEKIT_API_KEY",
    "LIVEKIT_API_SECRET",
    "LIVEKIT_EGRESS_S3_ENDPOINT",
    "DJANGO_SETTINGS_MODULE",
}


def production_env(**overrides: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SETTINGS_VARIABLES}
    env.update(
        DJANGO_SETTINGS_MODULE="iop.settings",
        DEBUG="0",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="harbor.example.org",
        PUBLIC_BASE_URL="https://harbor.example.org",
        FIELD_ENCRYPTION_KEYS=FERNET_KEY,
        RECORDING_KEYS=RECORDING_KEY,
        SMS_BACKEND="twilio",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        JITSI_BASE_URL="https://video.example.org",
        DATABASE_URL=settings.DATABASE_URL,
        REDIS_URL=settings.REDIS_URL,
    )
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def deploy_check(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )


def test_secret_used_here_is_sixty_characters():
    assert len(SECRET) == 60


def test_production_settings_pass_the_deploy_checks():
    result = deploy_check(production_env())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_development_defaults_do_not_pass_the_deploy_checks():
    # The same check fails in development: proof that it is the production values that pass it.
    env = production_env(DEBUG="1", PUBLIC_BASE_URL="http://harbor.example.org", SECRET_KEY=None)

    result = deploy_check(env)

    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "security.W008" in output  # SECURE_SSL_REDIRECT
    assert "security.W004" in output  # SECURE_HSTS_SECONDS


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SESSION_IDLE_SECONDS_STAFF", "abc"),
        ("SESSION_IDLE_SECONDS_CLIENT", "10"),
        ("SESSION_ABSOLUTE_SECONDS", "12h"),
        ("AXES_FAILURE_LIMIT", "0"),
        ("PUBLIC_BASE_URL", "ftp://x"),
        ("FIELD_ENCRYPTION_KEYS", "nope"),
        ("RECORDING_KEYS", "nope"),
        ("RECORDING_KEYS", "k1:c2hvcnQ="),  # a key of 5 bytes
        ("RECORDING_KEYS", f"{RECORDING_KEY},{RECORDING_KEY}"),  # one id twice
        ("RECORDING_STORAGE", "ftp"),
        ("RECORDING_CHUNK_BYTES", "1024"),
        ("TIME_ZONE", "Mars/Base"),
        ("DEBUG", "maybe"),
        ("DATABASE_URL", "mysql://db.example.org/harbor"),
        ("REDIS_URL", "http://127.0.0.1:6379/0"),
    ],
    # Not the random key itself in the test id: it would differ between a parallel run's workers.
    ids=lambda value: "one-id-twice" if value == f"{RECORDING_KEY},{RECORDING_KEY}" else None,
)
def test_a_bad_value_stops_start_up_naming_the_variable(variable, value):
    result = deploy_check(production_env(**{variable: value}))

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr


def test_a_bad_second_encryption_key_is_named_by_position_without_echoing_it():
    bad = "not-a-fernet-key-at-all"

    result = deploy_check(production_env(FIELD_ENCRYPTION_KEYS=f"{FERNET_KEY},{bad}"))

    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS entry 2" in result.stderr
    assert bad not in result.stderr
    assert FERNET_KEY not in result.stderr


def test_a_short_secret_key_is_refused_without_echoing_it():
    short = "only-thirty-characters-long-xx"

    result = deploy_check(production_env(SECRET_KEY=short))

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert short not in result.stderr


def test_a_bad_recording_key_is_named_by_position_without_echoing_it():
    bad = "k2:not-base64-at-all!"

    result = deploy_check(production_env(RECORDING_KEYS=f"{RECORDING_KEY},{bad}"))

    assert result.returncode != 0
    assert "RECORDING_KEYS entry 2" in result.stderr
    assert "not-base64" not in result.stderr
    assert RECORDING_KEY.split(":")[1] not in result.stderr


def test_s3_recording_storage_needs_a_bucket():
    result = deploy_check(production_env(RECORDING_STORAGE="s3"))

    assert result.returncode != 0
    assert "RECORDING_S3_BUCKET must be set" in result.stderr


def test_s3_recording_storage_is_configured_from_the_environment():
    env = production_env(
        RECORDING_STORAGE="s3",
        RECORDING_S3_BUCKET="harbor-recordings",
        RECORDING_S3_ENDPOINT_URL="https://s3.example.org",
    )
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "o = s.STORAGES['recordings']; "
        "print(o['BACKEND'], o['OPTIONS']['bucket_name'], o['OPTIONS']['endpoint_url'])"
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
    assert result.stdout.split() == [
        "storages.backends.s3.S3Storage",
        "harbor-recordings",
        "https://s3.example.org",
    ]


@pytest.mark.parametrize("variable", ["SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "RECORDING_KEYS"])
def test_production_requires_its_secrets(variable):
    result = deploy_check(production_env(**{variable: None}))

    assert result.returncode != 0
    assert f"{variable} must be set" in result.stderr


def test_production_turns_on_transport_security():
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER, s.DEBUG, s.ALLOWED_HOSTS, "
        "s.CSRF_TRUSTED_ORIGINS)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "True True True 31536000 ('HTTP_X_FORWARDED_PROTO', 'https') False "
        "['harbor.example.org'] ['https://harbor.example.org']"
    )


@pytest.mark.parametrize(
    ("url", "worker", "expected"),
    [
        ("redis://127.0.0.1:6379/0", None, "redis://127.0.0.1:6379/0"),
        ("redis://127.0.0.1:6379/0", "gw0", "redis://127.0.0.1:6379/1"),
        ("redis://:pw@redis:6390/2", "gw1", "redis://:pw@redis:6390/4"),
        ("redis://127.0.0.1:6379", "gw0", "redis://127.0.0.1:6379/1"),
        ("unix:///run/redis.sock?db=3", "gw1", "unix:///run/redis.sock?db=5"),
    ],
)
def test_each_parallel_test_worker_gets_its_own_redis_database(url, worker, expected):
    from iop.env import redis_url_for_worker

    assert redis_url_for_worker(url, worker) == expected


def test_servers_and_workers_started_by_a_test_use_its_redis_database(request):
    """A parallel run's worker offsets its Redis database once; what it starts inherits the
    URL as it is (tests/conftest.py), so a daphne or Celery worker shares its database."""
    if hasattr(request.config, "workerinput"):
        assert settings.REDIS_URL.rsplit("/", 1)[1] != "0"
    assert os.environ.get("PYTEST_XDIST_WORKER") is None
    assert os.environ.get("REDIS_URL", settings.REDIS_URL) == settings.REDIS_URL
