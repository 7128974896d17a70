"""Thin, idempotent Celery tasks: each calls one service, which claims its own rows."""

from __future__ import annotations

from celery import shared_task

from recordings import services


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
