"""Thin, idempotent Celery tasks on the crisis queue; each re-reads its rows under a lock."""

from __future__ import annotations

from celery import shared_task

from crisis import services


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=50, time_limit=60)
def escalation_tick_task() -> int:
    return services.escalation_tick()


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=20, time_limit=30)
def escalation_fire_task(
    event_id: int, repeat_index: int | None = None, step_index: int | None = None
) -> str:
    return services.escalation_fire(
        event_id=event_id, repeat_index=repeat_index, step_index=step_index
    )


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=50, time_limit=60)
def follow_up_tick_task() -> int:
    return services.follow_up_tick()


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=50, time_limit=60)
def check_in_prompt_tick_task() -> int:
    return services.check_in_prompt_tick()
