"""A real Celery worker, consuming from real Redis, runs the heartbeat task."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from iop.celery import app
from iop.realtime.models import Heartbeat
from iop.realtime.tasks import heartbeat_task

WAIT_SECONDS = 10
PROCFILE = Path(__file__).resolve().parent.parent / "Procfile"


def _queue_of(task) -> str:
    """The queue Celery's router sends this task to, with the project's settings."""
    return app.amqp.router.route({}, task.name)["queue"].name


def _wait_for_heartbeat() -> Heartbeat | None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        beat = Heartbeat.objects.filter(name="worker").first()
        if beat is not None:
            return beat
        time.sleep(0.1)
    return None


@pytest.mark.django_db(transaction=True)
def test_worker_runs_the_heartbeat_task():
    queue = _queue_of(heartbeat_task)
    with app.connection_for_write() as conn:
        # A message left by an earlier, interrupted run must not be what makes this pass.
        conn.default_channel.queue_purge(queue)
    assert not Heartbeat.objects.exists()
    sent_at = timezone.now()

    with start_worker(app, pool="solo", perform_ping_check=False, queues=[queue]):
        heartbeat_task.delay()
        beat = _wait_for_heartbeat()

    assert beat is not None, f"no heartbeat within {WAIT_SECONDS}s from queue {queue!r}"
    assert sent_at - timedelta(seconds=1) <= beat.beat_at <= timezone.now()
    assert beat.hostname


def test_the_heartbeat_is_on_a_queue_the_deployed_worker_consumes():
    # The Procfile's worker is what runs in production; a task routed elsewhere never runs.
    lines = PROCFILE.read_text().splitlines()
    worker_line = next(line for line in lines if line.startswith("worker:"))
    queues = worker_line.split("-Q", 1)[1].split()[0].split(",")

    assert _queue_of(heartbeat_task) in queues
