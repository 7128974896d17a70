"""Fixtures for the outbox: the locmem provider by default, the local Twilio server, workers."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.utils import timezone

from iop.celery import app as celery_app
from iop.consents.models import ConsentKind, ConsentMethod
from iop.consents.services import consent_grant
from iop.notify.backends import locmem
from tests.factories import ConsentDocumentFactory
from tests.servers import closed_port
from tests.twilio_fake import ACCOUNT_SID, AUTH_TOKEN, TwilioFake

CLIENT_PHONE = "+14155550123"
CLINIC_NUMBER = "+14155550100"
QUEUES = ("default", "crisis", "notify")
# Where Twilio posts webhooks; the test client posts to http://testserver, as behind a proxy.
PUBLIC_BASE_URL = "https://harbor.example.org"


@pytest.fixture(autouse=True)
def notify_settings(settings, fast_password_hashing):
    settings.SMS_BACKEND = "locmem"
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_FROM_NUMBER = CLINIC_NUMBER
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    settings.TWILIO_API_BASE_URL = ""
    settings.TWILIO_TIMEOUT_SECONDS = 2
    settings.PUBLIC_BASE_URL = PUBLIC_BASE_URL
    settings.HOTLINE_ON_CALL_NUMBER = ""
    # Quiet hours would make results depend on the hour the suite runs; their tests turn them on.
    settings.NOTIFY_QUIET_START = settings.NOTIFY_QUIET_END = 0
    locmem.reset()
    yield settings
    locmem.reset()


@pytest.fixture
def texting_client(client_profile, clinician):
    """The test client with a phone number and SMS consent given in session."""
    user = client_profile.user
    user.phone = CLIENT_PHONE
    user.save(update_fields=["phone"])
    document = ConsentDocumentFactory(kind=ConsentKind.SMS)
    consent_grant(
        actor=clinician, client=client_profile, document=document, method=ConsentMethod.IN_SESSION
    )
    return client_profile


@pytest.fixture
def twilio_fake() -> Iterator[TwilioFake]:
    with TwilioFake() as fake:
        yield fake


@pytest.fixture
def twilio_backend(settings, twilio_fake):
    """Send through the real twilio client to the local server."""
    settings.SMS_BACKEND = "twilio"
    settings.TWILIO_API_BASE_URL = twilio_fake.url
    return twilio_fake


def purge_queues() -> None:
    """Drop tasks earlier tests left in this run's Redis (only Harbor's queues, not the db)."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    names = []
    for queue in QUEUES:
        names += [queue] + [f"{queue}\x06\x16{p}" for p in (3, 6, 9)]
    client.delete(*names, "unacked", "unacked_index", "unacked_mutex")


@pytest.fixture
def run_worker(transactional_db):
    """A factory: `with run_worker(): ...` runs a real Celery worker (in a thread) on Redis."""
    purge_queues()

    @contextlib.contextmanager
    def running(queues: tuple[str, ...] = QUEUES):
        with start_worker(
            celery_app,
            pool="solo",
            perform_ping_check=False,
            queues=list(queues),
            shutdown_timeout=30,
        ) as worker:
            yield worker

    yield running
    purge_queues()


@contextlib.contextmanager
def broker_at(url: str) -> Iterator[None]:
    """Publish tasks to `url` (an unreachable broker) instead of this run's Redis."""
    saved = celery_app.conf.broker_write_url
    celery_app.conf.broker_write_url = url
    _drop_publish_pools()
    try:
        yield
    finally:
        celery_app.conf.broker_write_url = saved
        _drop_publish_pools()


@contextlib.contextmanager
def broker_down() -> Iterator[None]:
    """Publishing fails as it does when Redis is down: the broker address refuses connections."""
    with closed_port() as port, broker_at(f"redis://127.0.0.1:{port}/0"):
        yield


@contextlib.contextmanager
def broker_hung() -> Iterator[None]:
    """The broker accepts connections and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        with broker_at(f"redis://127.0.0.1:{sock.getsockname()[1]}/0"):
            yield


def _drop_publish_pools() -> None:
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def wait_until(predicate, *, timeout: float = 15.0, interval: float = 0.05) -> bool:
    """Poll `predicate` (work done by another thread or process) until true or timeout."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


def later(**delta) -> object:
    return timezone.now() + timedelta(**delta)
