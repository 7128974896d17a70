"""The Celery settings the outbox's guarantees rest on."""

from __future__ import annotations

from django.conf import settings

from iop.celery import app
from iop.notify.tasks import message_dispatch_task, message_sweep_task


def test_a_killed_worker_gives_its_task_back():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


def test_nothing_waits_in_the_broker_longer_than_the_visibility_timeout():
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    assert visibility > app.conf.task_time_limit
    assert visibility > message_dispatch_task.time_limit
    assert visibility > settings.NOTIFY_MAX_COUNTDOWN_SECONDS


def test_a_send_is_killed_before_its_lease_runs_out():
    """Otherwise the sweep could hand the row to a second worker while the first still sends."""
    assert message_dispatch_task.time_limit < settings.NOTIFY_SEND_LEASE_SECONDS
    assert message_dispatch_task.soft_time_limit > settings.TWILIO_TIMEOUT_SECONDS


def test_publishing_gives_up_fast_when_the_broker_is_down():
    assert app.conf.task_publish_retry is False
    assert app.conf.broker_connection_timeout <= 2
    assert app.conf.broker_transport_options["socket_connect_timeout"] <= 1
    assert app.conf.broker_transport_options["socket_timeout"] <= 2


def test_the_sweep_runs_every_few_seconds_on_the_crisis_queue():
    entry = settings.CELERY_BEAT_SCHEDULE["notify-sweep"]
    assert entry["task"] == message_sweep_task.name
    assert entry["schedule"] <= 10
    assert entry["options"]["queue"] == "crisis"
    assert entry["options"]["expires"] <= 2 * entry["schedule"]
