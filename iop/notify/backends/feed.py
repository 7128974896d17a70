"""The staff live feed as a channel: the message is pushed to one user's feed group."""

from __future__ import annotations

import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils import timezone

from iop.notify.backends.base import ProviderError, SendResult
from iop.realtime import groups


def send_feed(*, user_id: int, event: str, body: str, payload: dict) -> SendResult:
    layer = get_channel_layer()
    if layer is None:
        raise ProviderError("No channel layer is configured.", permanent=True, code="no-layer")
    event_id = uuid.uuid4().hex
    message = {
        "type": "feed.event",
        "id": event_id,
        "event": event,
        "at": timezone.now().isoformat(),
        "payload": {**payload, "title": body[:200], "text": body},
    }
    try:
        async_to_sync(layer.group_send)(groups.user_group(user_id), message)
    except Exception as exc:  # noqa: BLE001 - any channel-layer failure is worth a retry
        raise ProviderError(f"live feed unreachable: {exc}", permanent=False, code="feed") from exc
    return SendResult(provider_id=f"feed-{event_id}", provider_status="delivered", delivered=True)
