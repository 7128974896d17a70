"""Thin, idempotent Celery tasks of the clinical record."""

from celery import shared_task

from records.services import hours_check_tick


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=50, time_limit=60)
def hours_check_tick_task() -> int:
    """Programs whose weekly hours check is due: alerts for clients below the minimum."""
    return hours_check_tick()
