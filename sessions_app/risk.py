"""Is a client at high risk right now? Asked when they miss a session.

The answer comes from the crisis app's check-ins when it is installed:
`crisis.selectors.latest_risk_for(client)` returns the risk level of the client's latest
check-in ("low", "moderate", "high", "imminent") or None, or an object with `is_high_risk`.
Other sources (a registry for tests and future screeners) can be added with `register`.
Sessions work the same before and after the crisis app lands: without it, no one is high risk.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.apps import apps
from django.db import transaction

from iop.accounts.models import ClientProfile

log = logging.getLogger(__name__)

HIGH_LEVELS = frozenset({"high", "imminent", "severe"})
RiskSource = Callable[[ClientProfile], bool]
_sources: dict[str, RiskSource] = {}


def register(name: str, source: RiskSource) -> None:
    _sources[name] = source


def unregister(name: str) -> None:
    _sources.pop(name, None)


def _is_high(answer) -> bool:
    if answer is None:
        return False
    if isinstance(answer, bool):
        return answer
    if isinstance(answer, str):
        return answer.lower() in HIGH_LEVELS
    flag = getattr(answer, "is_high_risk", None)
    if flag is not None:
        return bool(flag() if callable(flag) else flag)
    level = getattr(answer, "risk_level", None) or getattr(answer, "level", None)
    return isinstance(level, str) and level.lower() in HIGH_LEVELS


def _from_crisis_app(clients: list[ClientProfile]) -> set[int]:
    if not apps.is_installed("crisis"):
        return set()
    try:
        from crisis import selectors as crisis_selectors  # type: ignore[import-not-found]
    except ImportError:
        return set()
    latest_risk_for = getattr(crisis_selectors, "latest_risk_for", None)
    if latest_risk_for is not None:
        return {c.pk for c in clients if _is_high(latest_risk_for(c))}
    # Until the crisis app offers latest_risk_for: the risk of each client's latest check-in.
    try:
        check_in = apps.get_model("crisis", "CheckIn")
    except LookupError:
        return set()
    latest = (
        check_in.objects.filter(client_id__in=[c.pk for c in clients])
        .order_by("client_id", "-submitted_at", "-id")
        .distinct("client_id")
        .values_list("client_id", "risk")
    )
    return {client_id for client_id, level in latest if _is_high(level)}


def high_risk_among(clients: list[ClientProfile]) -> set[int]:
    """Ids of the clients whose latest check-in (or a registered source) says high risk."""
    if not clients:
        return set()
    found: set[int] = set()
    sources = [("crisis", _from_crisis_app)] + [
        (name, lambda cs, source=source: {c.pk for c in cs if source(c)})
        for name, source in _sources.items()
    ]
    for name, source in sources:
        try:
            with transaction.atomic():  # a failing query must not break the caller's transaction
                found |= source(clients)
        except Exception:  # noqa: BLE001 - a broken source must not stop the missed-session job
            log.exception("risk source %s failed", name)
    return found


def is_high_risk(client: ClientProfile) -> bool:
    return client.pk in high_risk_among([client])
