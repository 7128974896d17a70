"""Thin, idempotent Celery tasks of messaging."""

from celery import shared_task  # noqa: E402

from messaging.services import reply_reminder_tick  # noqa: E402


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=50, time_limit=60)
def reply_reminder_tick_task() -> int:
    """Unanswered client messages past their time remind the care team, then supervisors."""
    return reply_reminder_tick()
