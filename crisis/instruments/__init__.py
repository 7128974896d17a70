"""Instruments as data, versioned in code (see definitions.py).

Decision: definitions live in code, not in a table. Scoring rules are clinical content that
must be reviewed like code, and each check-in stores the instrument code and version it was
answered on, so `get(code, version)` reads any past check-in exactly as it was scored.
"""

from __future__ import annotations

from crisis.instruments.definitions import ALL
from crisis.instruments.scoring import RISK_LABELS, RISK_LEVELS, RISK_RANK, Instrument, Result

__all__ = [
    "RISK_LABELS",
    "RISK_LEVELS",
    "RISK_RANK",
    "Instrument",
    "Result",
    "all_current",
    "choices",
    "current",
    "get",
]

_BY_KEY: dict[tuple[str, int], Instrument] = {(i.code, i.version): i for i in ALL}
_CURRENT: dict[str, Instrument] = {}
for _instrument in ALL:
    if _instrument.version > getattr(_CURRENT.get(_instrument.code), "version", 0):
        _CURRENT[_instrument.code] = _instrument


def current(code: str) -> Instrument:
    """The version new check-ins are answered on (KeyError for an unknown code)."""
    return _CURRENT[code]


def get(code: str, version: int) -> Instrument:
    return _BY_KEY[(code, version)]


def all_current() -> list[Instrument]:
    return list(_CURRENT.values())


def choices() -> list[tuple[str, str]]:
    return [(i.code, i.short_name) for i in _CURRENT.values()]
