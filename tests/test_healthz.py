"""/healthz: database, Redis and worker state in one JSON body; 503 when any is down."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from iop.realtime.models import Heartbeat
from tests.conftest import sign_in
from tests.servers import closed_port

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]


def _beat(age: timedelta = timedelta(0)) -> Heartbeat:
    return Heartbeat.objects.create(
        name="worker", beat_at=timezone.now() - age, hostname="worker-1"
    )


def _health(client):
    response = client.get("/healthz")
    assert response["Content-Type"] == "application/json"
    # Load balancers poll it: never cached.
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    return response.status_code, response.json()


def test_all_ok_with_a_fresh_heartbeat(client):
    beat = _beat(timedelta(seconds=5))

    status, body = _health(client)

    assert status == 200
    assert body == {
        "status": "ok",
        "database": {"ok": True, "detail": "ok"},
        "redis": {"ok": True, "detail": "ok"},
        "worker": {"ok": True, "last_heartbeat": beat.beat_at.isoformat()},
    }


def test_reachable_by_staff_without_a_second_factor(clinician):
    # It is a probe, exempt from the staff two-factor gate like it is from sign-in.
    _beat()
    browser = sign_in(clinician, verified=False)

    response = browser.get("/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_worker_not_ok_without_any_heartbeat(client):
    status, body = _health(client)

    assert status == 503
    assert body["status"] == "degraded"
    assert body["worker"] == {"ok": False, "last_heartbeat": None}
    assert body["database"]["ok"] is True
    assert body["redis"]["ok"] is True


def test_worker_not_ok_once_the_heartbeat_is_stale(client):
    beat = _beat()

    with time_machine.travel(beat.beat_at + timedelta(seconds=59), tick=False):
        still_fresh = _health(client)
    with time_machine.travel(beat.beat_at + timedelta(seconds=61), tick=False):
        stale = _health(client)

    assert still_fresh[0] == 200
    assert stale[0] == 503
    assert stale[1]["status"] == "degraded"
    assert stale[1]["worker"] == {"ok": False, "last_heartbeat": beat.beat_at.isoformat()}
    assert stale[1]["database"] == {"ok": True, "detail": "ok"}
    assert stale[1]["redis"] == {"ok": True, "detail": "ok"}


def test_redis_not_ok_when_unreachable(client, settings):
    _beat()
    with closed_port() as port:
        settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"
        status, body = _health(client)

    assert status == 503
    assert body["status"] == "degraded"
    assert body["redis"] == {"ok": False, "detail": "ConnectionError"}
    assert body["database"] == {"ok": True, "detail": "ok"}
    assert body["worker"]["ok"] is True
