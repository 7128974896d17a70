"""Thin tasks of the API's core."""

from celery import shared_task

from iop.api import table_changes
from iop.api.services import idempotent_requests_purge


@shared_task(ignore_result=True)
def idempotency_purge_task() -> int:
    return idempotent_requests_purge()


@shared_task(ignore_result=True)
def table_changes_compact_task() -> int:
    return table_changes.compact()
