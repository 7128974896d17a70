"""Thin Celery tasks: each re-reads its row and does nothing if it has already been done."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from iop.notify import services

# Shorter than the send lease, so a stuck send is killed before the sweep may send again.
_LIMIT = max(settings.NOTIFY_SEND_LEASE_SECONDS - 5, 10)


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=_LIMIT - 5, time_limit=_LIMIT)
def message_dispatch_task(message_id: int, claim: str | None = None) -> str:
    return services.message_dispatch(message_id=message_id, claim=claim)


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=50, time_limit=60)
def message_sweep_task() -> int:
    return services.message_sweep()
