"""The channel layer survives being used from one event loop after another (the flake's cause)."""

from __future__ import annotations

import asyncio

from django.conf import settings

from iop.realtime.layers import RedisChannelLayer

KEY = "asgi:specific.test!"


async def _cancel_a_waiter(locks) -> None:
    await locks.acquire(KEY)
    waiter = asyncio.ensure_future(locks.acquire(KEY))
    await asyncio.sleep(0)
    waiter.cancel()  # a socket closing while queued behind another receive
    await asyncio.gather(waiter, return_exceptions=True)
    locks.release(KEY)


async def _contend(locks) -> None:
    await locks.acquire(KEY)
    waiter = asyncio.ensure_future(locks.acquire(KEY))
    await asyncio.sleep(0.01)
    locks.release(KEY)
    await waiter
    locks.release(KEY)


def test_receive_locks_are_not_shared_between_event_loops():
    # With channels_redis' own layer the second loop fails with "Lock ... is bound to a
    # different event loop": the cancelled waiter left the first loop's lock behind.
    layer = RedisChannelLayer(hosts=[settings.REDIS_URL])
    asyncio.run(_cancel_a_waiter(layer.receive_clean_locks))
    asyncio.run(_contend(layer.receive_clean_locks))


def test_a_burst_of_group_joins_waits_for_connections_instead_of_failing():
    """More sockets joining groups at once than redis-py's default pool of 100 connections
    (a queue of waiting chats): each waits for a free connection; none fails."""
    layer = RedisChannelLayer(**settings.CHANNEL_LAYERS["default"]["CONFIG"])

    async def burst():
        names = [(f"burst.group.{n}", f"burst.channel.{n}") for n in range(400)]
        await asyncio.gather(*(layer.group_add(group, channel) for group, channel in names))
        await asyncio.gather(*(layer.group_discard(group, channel) for group, channel in names))
        await layer.flush()

    asyncio.run(burst())


def test_a_cancelled_receive_ends_wherever_the_cancellation_lands():
    """A socket closing cancels its channel receive; the receive must end, at whatever point
    of its Redis round trips the cancellation lands. On Python 3.11, `asyncio.wait_for`
    (which redis-py wraps each write in when a socket timeout is set) drops a cancellation
    that arrives as the write completes, and channels_redis then blocks in BZPOPMIN again,
    for ever: the consumer never finished and a test hung until its timeout."""
    layer = RedisChannelLayer(**settings.CHANNEL_LAYERS["default"]["CONFIG"])

    async def cancel_after(steps: int) -> None:
        channel = await layer.new_channel()
        receive = asyncio.ensure_future(layer.receive(channel))
        for _ in range(steps):
            await asyncio.sleep(0)
        receive.cancel()
        done, _pending = await asyncio.wait([receive], timeout=10)
        assert done, f"the receive ignored a cancellation after {steps} loop steps"

    for steps in range(40):  # one fresh loop, so a fresh connection handshake, each time
        asyncio.run(cancel_after(steps))
