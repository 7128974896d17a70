"""Thin, idempotent Celery tasks of messaging."""

from celery import shared_task

from messaging.services import peer_report_tick, reply_reminder_tick


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=50, time_limit=60)
def reply_reminder_tick_task() -> int:
    """Unanswered client messages past their time remind the care team, then supervisors."""
    return reply_reminder_tick()


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=50, time_limit=60)
def peer_report_tick_task() -> int:
    """Remind about members' reports waiting past their timers (messaging.services.peer)."""
    return peer_report_tick()
