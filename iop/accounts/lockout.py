"""How django-axes names the account being tried and the address it is tried from."""


def username_from_request(request, credentials) -> str:
    raw = (credentials or {}).get("username") or request.POST.get("username", "")
    return str(raw).strip().lower()


def client_ip(request) -> str | None:
    """REMOTE_ADDR, which iop.proxies.TrustedProxyMiddleware resolved; no header is read here."""
    return request.META.get("REMOTE_ADDR") or None
