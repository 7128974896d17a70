"""Who is asking: the principal every selector reads for and every service acts as.

A `Viewer` is a signed-in user, an anonymous visitor (refused by every selector) or an
integrator's API key, which is scoped to one program. Services also accept `None` for
Harbor itself (a beat tick, an inbound text); their signatures say `Actor`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from iop.accounts.models import User
    from iop.api.models import ApiKey

Viewer: TypeAlias = "User | ApiKey | AnonymousUser"
Actor: TypeAlias = "User | ApiKey | AnonymousUser | None"


def api_key_of(viewer: Actor) -> ApiKey | None:
    """The API key a request came with, or None for people and the system."""
    from iop.api.models import ApiKey

    return viewer if isinstance(viewer, ApiKey) else None


def person_of(viewer: Actor) -> User | None:
    """The signed-in person behind a viewer; None for an API key, an anonymous visitor or Harbor."""
    from iop.accounts.models import User

    return viewer if isinstance(viewer, User) and viewer.is_authenticated else None


def accountable_user_of(viewer: Actor) -> User | None:
    """Who a write is recorded as: the person, or the staff member who issued the API key."""
    key = api_key_of(viewer)
    if key is not None:
        return key.created_by
    return person_of(viewer)
