"""The Redis cache keeps one connection pool per process (iop/cache.py): under ASGI every request
is a context of its own, with its own cache object, and each used to open a connection."""

from __future__ import annotations

import threading

from django.core.cache import caches


def _cache_in_a_fresh_context():
    """The default cache as a thread (or a request under ASGI) of its own gets it."""
    found = {}

    def look():
        cache = caches["default"]
        cache.set("harbor-test-cache", "shared", 30)
        found["cache"] = cache
        found["pool"] = cache._cache._get_connection_pool(write=True)
        found["value"] = cache.get("harbor-test-cache")

    thread = threading.Thread(target=look)
    thread.start()
    thread.join()
    return found


def test_cache_objects_of_different_contexts_share_one_pool():
    first, second = _cache_in_a_fresh_context(), _cache_in_a_fresh_context()

    assert first["cache"] is not second["cache"]  # Django makes one per context
    assert first["pool"] is second["pool"]
    assert first["pool"] is caches["default"]._cache._get_connection_pool(write=True)
    assert first["value"] == second["value"] == "shared"
