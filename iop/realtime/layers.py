"""channels_redis' RedisChannelLayer, safe to use from more than one event loop.

`get_channel_layer()` keeps one layer object per process, and every `async_to_sync` call made
outside a running loop (a Celery task publishing, each test's scenario) runs in a new event
loop. channels_redis keeps its connection pools per loop, but the per-channel receive locks
(`ChannelLock`) are plain `asyncio.Lock`s shared by every loop, and a waiter cancelled while
queued on one (a socket closing while another receive holds the lock, which happens when the
machine is slow) is never counted out, so the lock is never dropped. The next loop to contend
for it then fails with "Lock is bound to a different event loop". Here each event loop gets
its own locks, and a cancelled waiter is counted out.

Its connection pools also wait for a free connection instead of failing: redis-py's pool
raises "Too many connections" past 100, and a burst of sockets (a queue of 200 waiting chats
joining their groups at once) made consumers crash. A connection is waited for up to
POOL_WAIT_SECONDS, from a pool of POOL_MAX_CONNECTIONS per process and event loop.

And its connections have no socket timeout. With one, redis-py wraps every write in
`asyncio.wait_for`, which on Python 3.11 drops a cancellation that arrives just as the write
completes; a socket closing cancels its consumer's receive, and a receive that lost its
cancellation went back to blocking in BZPOPMIN for ever (the consumer never finished, and
the event loop that ran it could not close). Without one, writes and reads are plain awaits
that cancel cleanly. Nothing waits unbounded: BZPOPMIN returns every `brpop_timeout` seconds,
connecting is bounded by CONNECT_SECONDS, publishing by its own deadline
(iop/realtime/publish.py), and TCP keepalive notices a peer that vanished.
"""

from __future__ import annotations

import asyncio
import weakref

from channels_redis.core import (  # type: ignore[import-untyped]
    ChannelLock,
)
from channels_redis.core import (
    RedisChannelLayer as _RedisChannelLayer,
)
from redis import asyncio as aioredis

POOL_MAX_CONNECTIONS = 200
POOL_WAIT_SECONDS = 5
CONNECT_SECONDS = 2


class _CancelSafeChannelLock(ChannelLock):
    async def acquire(self, channel):
        self.wait_counts[channel] += 1
        try:
            return await self.locks[channel].acquire()
        except BaseException:
            self.wait_counts[channel] -= 1
            if self.wait_counts[channel] < 1:
                del self.locks[channel]
                del self.wait_counts[channel]
            raise


class _PerLoopChannelLock:
    """A ChannelLock for each running event loop, dropped with its loop."""

    def __init__(self) -> None:
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, ChannelLock] = (
            weakref.WeakKeyDictionary()
        )

    def _current(self) -> ChannelLock:
        loop = asyncio.get_running_loop()
        lock = self._by_loop.get(loop)
        if lock is None:
            lock = self._by_loop[loop] = _CancelSafeChannelLock()
        return lock

    async def acquire(self, channel):
        return await self._current().acquire(channel)

    def locked(self, channel):
        return self._current().locked(channel)

    def release(self, channel):
        self._current().release(channel)


class RedisChannelLayer(_RedisChannelLayer):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.receive_clean_locks = _PerLoopChannelLock()

    def create_pool(self, index):
        host = dict(self.hosts[index])
        address = host.pop("address", None)
        if address is None:  # a sentinel or host/port entry: channels_redis' own pool
            return super().create_pool(index)
        host["socket_timeout"] = None
        host.setdefault("socket_connect_timeout", CONNECT_SECONDS)
        host.setdefault("socket_keepalive", True)
        host.setdefault("max_connections", POOL_MAX_CONNECTIONS)
        host.setdefault("timeout", POOL_WAIT_SECONDS)
        return aioredis.BlockingConnectionPool.from_url(address, **host)
