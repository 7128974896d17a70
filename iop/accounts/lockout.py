"""How django-axes names the account being tried: the email, lower-cased like sign-in."""


def username_from_request(request, credentials) -> str:
    raw = (credentials or {}).get("username") or request.POST.get("username", "")
    return str(raw).strip().lower()
