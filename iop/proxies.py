"""Who the client is: X-Forwarded-For is believed only when it comes from a trusted proxy.

Lockout (django-axes), the audit log and rate limits all read REMOTE_ADDR. A header any client
can write must not change it, or each password guess could claim a new address. So the first
middleware rewrites REMOTE_ADDR from X-Forwarded-For only when the direct peer is one of
settings.TRUSTED_PROXIES, taking the nearest address that is not itself a trusted proxy; from
any other peer it drops the forwarded headers, so nothing later can be fooled by them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence

from django.conf import settings
from django.http import HttpRequest, HttpResponse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_FORWARDED_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST")


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def is_trusted(address: str, proxies: Sequence[Network]) -> bool:
    found = _address(address)
    return found is not None and any(found in network for network in proxies)


def client_address(peer: str, forwarded_for: str, proxies: Sequence[Network]) -> str:
    """The client's address, given the direct peer and its X-Forwarded-For header."""
    if not forwarded_for or not is_trusted(peer, proxies):
        return peer
    # Each proxy appends the address it received from: read right to left, past our proxies.
    for hop in reversed(forwarded_for.split(",")):
        hop = hop.strip()
        if _address(hop) is None:
            return peer  # a garbled chain: believe only what we saw ourselves
        if not is_trusted(hop, proxies):
            return hop
    return peer


class TrustedProxyMiddleware:
    """First in MIDDLEWARE: REMOTE_ADDR becomes the client's address, as far as we can trust."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        peer = meta.get("REMOTE_ADDR", "")
        proxies = settings.TRUSTED_PROXIES
        if is_trusted(peer, proxies):
            meta["REMOTE_ADDR"] = client_address(
                peer, meta.get("HTTP_X_FORWARDED_FOR", ""), proxies
            )
        else:
            for header in _FORWARDED_HEADERS:
                meta.pop(header, None)
        return self.get_response(request)
