"""The staff live feed as a channel: the message is pushed to one user's feed group."""

from __future__ import annotations

from channels.layers import get_channel_layer

from iop.notify.backends.base import ProviderError, SendResult
from iop.realtime import groups
from iop.realtime.publish import deliver, feed_message


def send_feed(*, user_id: int, event: str, body: str, payload: dict) -> SendResult:
    if get_channel_layer() is None:
        raise ProviderError("No channel layer is configured.", permanent=True, code="no-layer")
    message = feed_message(event, {**payload, "title": body[:200], "text": body})
    try:
        deliver([([groups.user_group(user_id)], message)])
    except Exception as exc:  # noqa: BLE001 - any channel-layer failure (or timeout) is worth a retry
        raise ProviderError(
            f"live feed unreachable: {exc!r}", permanent=False, code="feed"
        ) from exc
    return SendResult(
        provider_id=f"feed-{message['id']}", provider_status="delivered", delivered=True
    )
