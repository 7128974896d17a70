"""Project-level endpoints: the home router and the health check."""

from __future__ import annotations

import functools
from datetime import timedelta

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.cache import never_cache

HEARTBEAT_STALE_AFTER = timedelta(seconds=60)


@login_required
def home(request):
    if request.user.is_staff_member:
        return redirect("staff:dashboard")
    return redirect("accounts:portal")


def _database_state() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True, "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        return False, type(exc).__name__


@functools.cache
def _redis_client(url: str) -> redis.Redis:
    # One client (and connection pool) per process: a new client per check would connect anew
    # each time, and redis-py reads its own package metadata for every new connection.
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=settings.REDIS_SOCKET_TIMEOUT,
        socket_timeout=settings.REDIS_SOCKET_TIMEOUT,
    )


def _redis_state() -> tuple[bool, str]:
    try:
        _redis_client(settings.REDIS_URL).ping()
        return True, "ok"
    except Exception as exc:  # noqa: BLE001
        return False, type(exc).__name__


def _worker_state(database_ok: bool) -> tuple[bool, str | None]:
    if not database_ok:
        return False, None
    from iop.realtime.models import Heartbeat

    beat = Heartbeat.objects.filter(name="worker").first()
    if beat is None:
        return False, None
    return timezone.now() - beat.beat_at <= HEARTBEAT_STALE_AFTER, beat.beat_at.isoformat()


@never_cache
def healthz(request):
    db_ok, db_detail = _database_state()
    redis_ok, redis_detail = _redis_state()
    worker_ok, last_beat = _worker_state(db_ok)
    healthy = db_ok and redis_ok and worker_ok
    body = {
        "status": "ok" if healthy else "degraded",
        "database": {"ok": db_ok, "detail": db_detail},
        "redis": {"ok": redis_ok, "detail": redis_detail},
        "worker": {"ok": worker_ok, "last_heartbeat": last_beat},
    }
    return JsonResponse(body, status=200 if healthy else 503)
