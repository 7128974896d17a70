"""A report's review timer is a row (`reminder_due_at`, partial index) claimed by the beat tick
with SKIP LOCKED: halfway through the space's time limit the facilitators are reminded, past it
the program's supervisors are told; ticks racing each other remind once; a reviewed report's
timer stops."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, connections
from django.utils import timezone

from iop.notify.models import OutboundMessage
from messaging.models import PeerReport
from messaging.services import (
    peer_post_create,
    peer_report_create,
    peer_report_review,
    peer_report_tick,
)


def race(func, *, threads: int) -> list:
    barrier = threading.Barrier(threads)
    results: list = [None] * threads
    errors: list = []

    def run(index):
        try:
            barrier.wait()
            results[index] = func()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert not errors, errors
    return results


def keys(kind: str) -> list[str]:
    return sorted(
        OutboundMessage.objects.filter(idempotency_key__contains=f":{kind}:").values_list(
            "idempotency_key", flat=True
        )
    )


@pytest.mark.django_db
def test_halfway_the_facilitators_are_reminded_and_overdue_the_supervisors_told(
    members, client_profile, peer_profile, clinician, supervisor, other_supervisor
):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        post = peer_post_create(actor=peer_profile.user, space=members, body="Hello")
        report = peer_report_create(actor=client_profile.user, post=post, reason="Unkind")
        assert report.reminder_due_at == start + timedelta(minutes=120)
        clock.move_to(start + timedelta(minutes=119))
        assert peer_report_tick() == 0
        clock.move_to(start + timedelta(minutes=121))
        assert peer_report_tick() == 1
        assert keys("remind") == [f"peer:report:{report.pk}:remind:feed:{clinician.pk}"]
        report.refresh_from_db()
        assert (report.stage, report.reminder_due_at) == (1, report.review_by)
        assert peer_report_tick() == 0
        clock.move_to(start + timedelta(minutes=241))
        assert peer_report_tick() == 1
        assert keys("overdue") == sorted(
            f"peer:report:{report.pk}:overdue:feed:{uid}" for uid in (clinician.pk, supervisor.pk)
        )
        report.refresh_from_db()
        assert (report.stage, report.reminder_due_at) == (2, None)
        assert report.overdue_at == start + timedelta(minutes=241)
        assert peer_report_tick() == 0
    assert not OutboundMessage.objects.filter(user=other_supervisor).exists()
    body = OutboundMessage.objects.get(user=supervisor).body
    assert "Overdue" in body and "Hello" not in body and "Unkind" not in body


@pytest.mark.django_db
def test_a_reviewed_report_stops_its_timer(members, client_profile, peer_profile, clinician):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        post = peer_post_create(actor=peer_profile.user, space=members, body="Hello")
        report = peer_report_create(actor=client_profile.user, post=post, reason="Unkind")
        peer_report_review(actor=clinician, report=report, hide=False)
        clock.move_to(start + timedelta(days=1))
        assert peer_report_tick() == 0
    assert keys("remind") == [] and keys("overdue") == []


@pytest.mark.django_db
def test_the_due_timers_are_read_through_their_partial_index():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'peer_report_due'")
        [(definition,)] = cursor.fetchall()
    assert "WHERE (reminder_due_at IS NOT NULL)" in definition


@pytest.mark.django_db(transaction=True)
def test_ticks_racing_each_other_remind_each_report_once(
    members, client_profile, peer_profile, clinician, supervisor
):
    from tests.notify.conftest import purge_queues

    try:
        start = timezone.now()
        with time_machine.travel(start, tick=False) as clock:
            posts = [
                peer_post_create(actor=peer_profile.user, space=members, body=f"Post {i}")
                for i in range(9)
            ]
            reports = [
                peer_report_create(actor=client_profile.user, post=p, reason="Unkind")
                for p in posts
            ]
            clock.move_to(start + timedelta(minutes=130))
            fired = race(lambda: peer_report_tick(batch=2), threads=4)
            done = sum(fired)
            # Whatever the batches left, later ticks finish; each report reminded exactly once.
            while peer_report_tick():
                done += 1
            assert done == len(reports)
            clock.move_to(start + timedelta(minutes=250))
            assert sum(race(peer_report_tick, threads=4)) == len(reports)
            assert race(peer_report_tick, threads=2) == [0, 0]
        assert len(keys("remind")) == len(reports)
        assert len(keys("overdue")) == 2 * len(reports)
        assert set(PeerReport.objects.values_list("stage", flat=True)) == {2}
    finally:
        purge_queues()
