"""The one rule for a typed signature, on plans, notes, group summaries and co-signatures."""

from __future__ import annotations

import unicodedata
from typing import Any

from iop.accounts.models import User


def _normal(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def names_match(typed: Any, person: User) -> bool:
    """A typed signature matches the signer's name (case, spacing and Unicode forms aside)."""
    if not isinstance(typed, str) or not _normal(typed):
        return False
    return _normal(typed) in {_normal(person.full_name), _normal(person.display_name)}
