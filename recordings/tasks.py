"""Thin, idempotent Celery tasks: each calls one service, which claims its own rows."""

from __future__ import annotations

import time

from celery import shared_task

from recordings import services

PURGE_BATCH = 500  # bench/recording.py --part purge: ~2,300 recordings/s at 500, ~700 at 100
PURGE_SECONDS = 40.0


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=840, time_limit=900)
def segment_store_task(segment_id: int) -> str:
    """Store one ended segment (kicked after the segment ends; the tick catches the rest)."""
    return services.segment_store(segment_id=segment_id)


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=840, time_limit=900)
def segments_store_tick_task() -> int:
    return services.segments_store_tick()


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=50, time_limit=60)
def recordings_rule_tick_task() -> int:
    return services.recordings_rule_tick()


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=50, time_limit=60)
def recording_access_requests_escalate_tick_task() -> int:
    return services.recording_access_requests_escalate_tick()


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=50, time_limit=60)
def recordings_purge_tick_task() -> int:
    """Purge recordings past their retention, batch after batch, for up to ~40 seconds."""
    started = time.monotonic()
    purged = 0
    while True:
        done = services.recordings_purge_tick(batch=PURGE_BATCH)
        purged += done
        if done < PURGE_BATCH or time.monotonic() - started > PURGE_SECONDS:
            return purged


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=240, time_limit=300)
def recordings_reconcile_tick_task() -> int:
    return services.recordings_reconcile_tick()
