"""Thin tasks of tech support: each takes ids, re-reads its rows and calls a service."""

from __future__ import annotations

from celery import shared_task

from support import services


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=50, time_limit=60)
def sla_tick_task() -> int:
    return services.sla_tick()


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=50, time_limit=60)
def ticket_close_tick_task() -> int:
    return services.ticket_close_tick()


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=50, time_limit=60)
def announcement_notice_tick_task() -> int:
    return services.announcement_notice_tick()


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=50, time_limit=60)
def chat_unanswered_tick_task() -> int:
    return services.chat_unanswered_tick()
