"""Thin, idempotent Celery tasks of the clinical record (each calls one service)."""

from celery import shared_task

from records.services import hours_check_tick, plan_review_tick


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=50, time_limit=60)
def plan_review_tick_task() -> int:
    """Treatment plan reviews that fell due remind the clinician, then (overdue) supervisors."""
    return plan_review_tick()


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=50, time_limit=60)
def hours_check_tick_task() -> int:
    """Programs whose weekly hours check is due: alerts for clients below the minimum."""
    return hours_check_tick()
