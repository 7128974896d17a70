"""A client's message left unanswered is a timer row: after one clinic day (configurable) the
tick reminds the care team, after more clinic time the program's supervisors; an answer stops
it; ticks racing each other remind once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connections

from iop.notify.models import Channel, OutboundMessage
from messaging.models import ReminderStage, ReplyTimer
from messaging.services import message_send, reply_reminder_tick, thread_start
from tests.messaging.conftest import OPEN, ny

pytestmark = pytest.mark.django_db


def _reminded(person, kind: str) -> list[OutboundMessage]:
    return [
        m
        for m in OutboundMessage.objects.filter(user=person).order_by("pk")
        if f":{kind}:" in m.idempotency_key
    ]


def test_care_team_then_supervisor_after_clinic_time(
    client_profile, clinician, supervisor, other_clinician
):
    with time_machine.travel(OPEN, tick=False) as clock:  # Tuesday 10:00
        thread, message = thread_start(actor=client_profile.user, body="Private question")
        timer = ReplyTimer.objects.get(thread=thread)
        assert timer.message == message and timer.due_at == ny(2026, 3, 4, 10, 0)
        clock.move_to(ny(2026, 3, 4, 9, 59))
        assert reply_reminder_tick() == 0
        clock.move_to(ny(2026, 3, 4, 10, 0))
        assert reply_reminder_tick() == 1
        timer.refresh_from_db()
        assert timer.stage == ReminderStage.SUPERVISOR
        assert timer.due_at == ny(2026, 3, 4, 14, 0)  # 240 clinic minutes later
        to_team = _reminded(clinician, "care_team")
        assert {m.channel for m in to_team} == {Channel.FEED, Channel.EMAIL}
        assert all("Private question" not in m.body for m in to_team)
        assert _reminded(supervisor, "supervisor") == []
        assert _reminded(other_clinician, "care_team") == []
        clock.move_to(ny(2026, 3, 4, 14, 0))
        assert reply_reminder_tick() == 1
        assert reply_reminder_tick() == 0
    timer.refresh_from_db()
    assert timer.stage == ReminderStage.DONE and timer.due_at is None
    assert {m.channel for m in _reminded(supervisor, "supervisor")} == {Channel.FEED, Channel.EMAIL}


def test_the_clock_runs_in_clinic_hours_and_its_length_is_a_setting(client_profile, settings):
    settings.MESSAGING_REPLY_WITHIN_MINUTES = 90
    with time_machine.travel(ny(2026, 3, 6, 16, 30), tick=False):  # Friday, 30 minutes left
        thread, _ = thread_start(actor=client_profile.user, body="Before the weekend")
    assert ReplyTimer.objects.get(thread=thread).due_at == ny(2026, 3, 9, 10, 0)


def test_an_answer_stops_the_timer_and_a_new_message_starts_another(client_profile, clinician):
    with time_machine.travel(OPEN, tick=False) as clock:
        thread, _ = thread_start(actor=client_profile.user, body="one")
        message_send(actor=client_profile.user, thread=thread, body="two")
        assert ReplyTimer.objects.filter(thread=thread).count() == 1  # the oldest unanswered
        message_send(actor=clinician, thread=thread, body="answer")
        answered = ReplyTimer.objects.get(thread=thread)
        assert answered.answered_by == clinician and answered.due_at is None
        clock.move_to(ny(2026, 3, 10, 10, 0))
        assert reply_reminder_tick() == 0
        message_send(actor=client_profile.user, thread=thread, body="three")
    assert ReplyTimer.objects.filter(thread=thread, answered_at__isnull=True).count() == 1
    thread.refresh_from_db()
    assert thread.awaiting_reply_since == ny(2026, 3, 10, 10, 0)


def race(func, *, threads: int) -> list:
    barrier = threading.Barrier(threads)
    results: list = [None] * threads
    errors: list = []

    def run(index):
        try:
            barrier.wait(timeout=60)
            results[index] = func()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
def test_ticks_racing_each_other_remind_each_stage_once(
    client_profile, other_client_profile, clinician, other_clinician, supervisor
):
    with time_machine.travel(OPEN, tick=False) as clock:
        threads = [thread_start(actor=client_profile.user, body=f"q{i}")[0] for i in range(5)]
        threads += [
            thread_start(actor=other_client_profile.user, body=f"r{i}")[0] for i in range(5)
        ]
        clock.move_to(ny(2026, 3, 4, 10, 0) + timedelta(seconds=1))
        fired = race(lambda: reply_reminder_tick(batch=2), threads=4)
        assert sum(fired) == len(threads)
        assert race(reply_reminder_tick, threads=2) == [0, 0]
        clock.move_to(ny(2026, 3, 4, 14, 0) + timedelta(seconds=1))
        assert sum(race(lambda: reply_reminder_tick(batch=3), threads=3)) == len(threads)
    feed = OutboundMessage.objects.filter(channel=Channel.FEED)
    for person, kind, count in (
        (clinician, "care_team", 5),
        (other_clinician, "care_team", 5),
        (supervisor, "supervisor", 10),
    ):
        keys = [
            m.idempotency_key for m in feed.filter(user=person) if f":{kind}:" in m.idempotency_key
        ]
        assert len(keys) == count == len(set(keys))
    assert set(ReplyTimer.objects.values_list("stage", flat=True)) == {ReminderStage.DONE}


def test_beat_runs_the_reminder_tick(settings, client_profile):
    from iop.celery import app
    from messaging.tasks import reply_reminder_tick_task

    entry = settings.CELERY_BEAT_SCHEDULE["messaging-reply-reminder-tick"]
    assert (
        entry["task"] == "messaging.tasks.reply_reminder_tick_task" and entry["task"] in app.tasks
    )
    with time_machine.travel(OPEN, tick=False) as clock:
        thread_start(actor=client_profile.user, body="hello")
        assert reply_reminder_tick_task() == 0
        clock.move_to(ny(2026, 3, 4, 10, 0))
        assert reply_reminder_tick_task() == 1
