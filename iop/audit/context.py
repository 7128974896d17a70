"""The current request's id, address and channel, for audit rows written deep in services."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip_address: str | None = None
    channel: str = ""


# RequestContext is frozen, so the shared default cannot be mutated.
_current: ContextVar[RequestContext] = ContextVar("harbor_request", default=RequestContext())  # noqa: B039


def current() -> RequestContext:
    return _current.get()


def bind(context: RequestContext):
    return _current.set(context)


def reset(token) -> None:
    _current.reset(token)
