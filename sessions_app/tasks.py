"""Thin beat tasks: each calls one idempotent service (the services claim their own rows)."""

from __future__ import annotations

from celery import shared_task

from sessions_app import services


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=50, time_limit=60)
def sessions_missed_tick_task() -> int:
    return services.sessions_missed_tick()


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=50, time_limit=60)
def sessions_finalise_tick_task() -> int:
    return services.sessions_finalise_tick()


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=50, time_limit=60)
def presence_sweep_task() -> int:
    return services.presence_sweep()


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=240, time_limit=300)
def schedule_extend_task() -> int:
    """Extend series to the horizon, then queue reminders for sessions inside the window."""
    made = services.schedule_extend()
    services.reminders_schedule_upcoming()
    return made
