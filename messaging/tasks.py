"""Thin, idempotent Celery tasks of messaging."""

from celery import shared_task


# -- peer spaces --------------------------------------------------------------------------------
@shared_task(ignore_result=True, acks_late=True, soft_time_limit=50, time_limit=60)
def peer_report_tick_task() -> int:
    """Remind about members' reports waiting past their timers (messaging.services.peer)."""
    from messaging.services import peer_report_tick

    return peer_report_tick()
