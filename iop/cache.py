"""Django's Redis cache, with one connection pool per process instead of one per request.

Django keeps a cache object per thread and per async context, and under ASGI every request is
a context of its own: each request made a new RedisCache, a new connection pool and a new TCP
connection to Redis (and redis-py reads its own package metadata for each new connection). The
API's throttle reads and writes the cache on every request, so that was a connect per request.
Here every cache object of the process shares the pools, keyed by server and options; redis-py
replaces a pool inherited across a fork (a Celery prefork child) by itself. The redis-py client
over a pool is made once too (Django made one per call; it is thread-safe and holds no
connection of its own).
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.cache.backends import redis as django_redis

_pools: dict[tuple[str, str], Any] = {}
_clients: dict[int, Any] = {}  # id of a pool in _pools (kept for the process) -> its client
_lock = threading.Lock()


class SharedPoolClient(django_redis.RedisCacheClient):
    def _get_connection_pool(self, write: bool) -> Any:
        django_client: Any = self  # the attributes Django's client sets, unknown to its stubs
        server = django_client._servers[django_client._get_connection_pool_index(write)]
        options = django_client._pool_options
        key = (server, repr(sorted(options.items())))
        pool = _pools.get(key)
        if pool is None:
            with _lock:
                pool = _pools.get(key)
                if pool is None:
                    pool = django_client._pool_class.from_url(server, **options)
                    _pools[key] = pool
        return pool

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = _clients.get(id(pool))
        if client is None:
            django_client: Any = self
            client = _clients.setdefault(id(pool), django_client._client(connection_pool=pool))
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = SharedPoolClient
