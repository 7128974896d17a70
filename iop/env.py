"""Typed readers for environment variables that fail loudly, naming the variable."""

from __future__ import annotations

import ipaddress
import os
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    return None if value is None else value.strip()


def env_str(name: str, default: str | None = None) -> str | None:
    value = _raw(name)
    return default if value in (None, "") else value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {value!r}") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {number}")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None or value == "":
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_url(name: str, default: str, *, schemes: tuple[str, ...]) -> str:
    value = env_str(name, default) or default
    scheme = value.split("://", 1)[0] if "://" in value else ""
    if scheme not in schemes:
        raise ImproperlyConfigured(
            f"{name} must be a URL starting with one of {', '.join(s + '://' for s in schemes)};"
            f" got {value!r}"
        )
    return value


def env_optional_url(name: str, *, schemes: tuple[str, ...]) -> str:
    """A URL checked like env_url, or "" when the variable is unset or empty."""
    return env_url(name, "", schemes=schemes) if env_str(name) is not None else ""


def env_networks(
    name: str, default: list[str]
) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """A comma-separated list of IP addresses or networks (CIDR), e.g. 10.0.0.5,172.30.0.0/24."""
    networks = []
    for item in env_list(name, default):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must list IP addresses or networks (CIDR), got {item!r}"
            ) from None
    return networks


def redis_url_for_worker(url: str, worker: str | None) -> str:
    """The Redis URL of one worker of a parallel test run (pytest-xdist names them gw0, gw1,
    ...): database N+1 of the same server, as pytest-django gives each worker its own
    PostgreSQL database, so one worker's Celery queues, channel groups and cache are never
    another's. Outside such a run (worker None) the URL is unchanged."""
    if not worker:
        return url
    if not worker.startswith("gw") or not worker[2:].isdigit():
        raise ImproperlyConfigured(f"PYTEST_XDIST_WORKER must be gw<N>, got {worker!r}")
    parts = urlsplit(url)
    if parts.scheme == "unix":
        query = [(k, v) for k, v in parse_qsl(parts.query) if k != "db"]
        base = int(dict(parse_qsl(parts.query)).get("db", "0"))
        db = base + 1 + int(worker[2:])
        return f"unix://{parts.netloc}{parts.path}?{urlencode([*query, ('db', str(db))])}"
    base = int(parts.path.strip("/") or "0")
    return urlunsplit(parts._replace(path=f"/{base + 1 + int(worker[2:])}"))
