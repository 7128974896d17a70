"""Withdrawing messages that are no longer wanted (a reminder of a cancelled or moved session)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from iop.notify.models import OutboundMessage, Status
from iop.viewer import Actor

CANCELLED_CODE = "cancelled"


def message_cancel(*, actor: Actor, message_ids: Iterable[int], reason: str) -> int:
    """Stop queued messages from being sent; ones already sending or sent are left as they are.

    A cancelled message ends as failed with error code `cancelled` (not announced to staff as a
    problem). Returns how many were cancelled. Runs in the caller's transaction.
    """
    ids = list(message_ids)
    if not ids:
        return 0
    with transaction.atomic():
        return OutboundMessage.objects.filter(pk__in=ids, status=Status.QUEUED).update(
            status=Status.FAILED,
            claim=None,
            error_code=CANCELLED_CODE,
            error_message=f"Cancelled: {reason}"[:500],
            hold_reason="",
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
