"""Who is on call now, for the hotline and the live feed (events about a client).

The crisis app registers its rota in `ready()`; without one, the StaffProfile.is_on_call flag
decides. The core asks here and never imports the app that answers.
"""

from __future__ import annotations

from collections.abc import Callable

from iop.accounts.models import StaffProfile, User

OnCallLookup = Callable[[int], list[User]]  # a program's id -> who is on call for it now

_lookup: list[OnCallLookup] = []


def register(lookup: OnCallLookup) -> None:
    """Make `lookup` the answer to "who is on call now" (replacing any earlier one)."""
    _lookup[:] = [lookup]


def unregister() -> None:
    _lookup.clear()


def on_call_by_flag(program_id: int) -> list[User]:
    """Before (or without) a rota: the staff whose profile says they are on call."""
    return [
        profile.user
        for profile in StaffProfile.objects.filter(
            program_id=program_id, is_on_call=True, user__is_active=True
        )
        .select_related("user")
        .order_by("pk")
    ]


def on_call_now(program_id: int) -> list[User]:
    """The people on call for the program now, first to ring first."""
    return _lookup[0](program_id) if _lookup else on_call_by_flag(program_id)


def is_on_call_now(user: User) -> bool:
    """Is `user` on call for their program right now?"""
    profile = StaffProfile.objects.filter(user=user).first()
    if profile is None:
        return False
    return any(person.pk == user.pk for person in on_call_now(profile.program_id))
