"""A request budget per API key, kept in the Redis cache; it fails open if Redis is down."""

from __future__ import annotations

import logging

from django.conf import settings
from redis.exceptions import RedisError
from rest_framework.throttling import SimpleRateThrottle

from iop.api.models import ApiKey

logger = logging.getLogger(__name__)

DEFAULT_RATE = "1200/min"


class ApiKeyRateThrottle(SimpleRateThrottle):
    scope = "api_key"

    def get_rate(self) -> str:
        # Read at request time so an operator (or a test) can change it in settings.
        return getattr(settings, "API_KEY_THROTTLE_RATE", DEFAULT_RATE)

    def get_cache_key(self, request, view) -> str | None:
        if not isinstance(request.user, ApiKey):
            return None  # people are limited by their session, not by this budget
        # The prefix (random, unique) rather than the id, which a fresh database reuses.
        return self.cache_format % {"scope": self.scope, "ident": request.user.prefix}

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except (RedisError, OSError):
            logger.warning("API throttle skipped: the cache is unavailable", exc_info=True)
            return True
