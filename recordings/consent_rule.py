"""The consent rule (DESIGN invariant 4): who present lacks active consent for a purpose.

Staff count as consenting: being recorded at work is part of their employment terms, so only
clients hold recording consents in the ledger. Anyone else (a person with neither a client
record nor a staff role, or an inactive account) never counts as consenting, nor does anyone in
the room who did not sign in through Harbor (a presence row with no user): the rule fails
closed on a person Harbor cannot name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from iop.accounts.models import User
from iop.consents.models import ConsentKind
from iop.consents.selectors import consent_active_among
from recordings.models import CONSENT_FOR_PURPOSE, RecordingPurpose, RoomPresence

# pg_advisory_xact_lock's first key: every decision about a session's recording takes this lock
# with the session's id, so a join, a leave, a consent change and a start never interleave.
_LOCK_SPACE = 0x52454331  # "REC1"


def session_lock(session_id: int) -> None:
    """Serialise recording decisions for one session until the transaction ends."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_SPACE, session_id & 0x7FFFFFFF]
        )


def session_lock_try(session_id: int) -> bool:
    """The session's lock if nobody holds it now (a tick skips a session that is busy)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_xact_lock(%s, %s)", [_LOCK_SPACE, session_id & 0x7FFFFFFF]
        )
        row = cursor.fetchone()
    return bool(row and row[0])


@dataclass(frozen=True)
class Lacking:
    user_id: int | None  # None: someone not signed in through Harbor (`NOT_SIGNED_IN`)
    client_id: int | None
    name: str


# What the facilitator reads for anyone in the room who did not come in through Harbor (however
# many they are: Harbor cannot tell who they are).
NOT_SIGNED_IN_NAME = "someone not signed in through Harbor"
NOT_SIGNED_IN = Lacking(None, None, NOT_SIGNED_IN_NAME)


def lacking_consent(user_ids: Iterable[int], purpose: str, *, at: datetime) -> list[Lacking]:
    """The people among `user_ids` without active consent for the purpose at `at`, by name."""
    kind = CONSENT_FOR_PURPOSE[purpose]
    people = list(
        User.objects.filter(pk__in=set(user_ids)).select_related("client_profile").order_by("pk")
    )
    clients = [p.client_profile for p in people if p.is_client and hasattr(p, "client_profile")]
    consenting = consent_active_among(clients, kind, at=at)
    found = []
    for person in people:
        if person.is_active and person.is_staff_member:
            continue
        client = getattr(person, "client_profile", None) if person.is_client else None
        if person.is_active and client is not None and client.pk in consenting:
            continue
        found.append(
            Lacking(person.pk, client.pk if client is not None else None, person.display_name)
        )
    return sorted(found, key=lambda lacking: (lacking.name, lacking.user_id))


def lacking_in_room(session_id: int, purpose: str, *, at: datetime) -> list[Lacking]:
    """Who present in the session's room lacks active consent for the purpose at `at`: the
    Harbor users by name, then `NOT_SIGNED_IN` if anyone present did not sign in through
    Harbor."""
    present = list(
        RoomPresence.objects.filter(session_id=session_id, present=True).values_list(
            "user_id", flat=True
        )
    )
    lacking = lacking_consent([uid for uid in present if uid is not None], purpose, at=at)
    if None in present:
        lacking.append(NOT_SIGNED_IN)
    return lacking


def _signed_in(people: list[Lacking]) -> tuple[list[Lacking], bool]:
    return [p for p in people if p.user_id is not None], any(p.user_id is None for p in people)


def names(people: list[Lacking]) -> str:
    shown = [p.name for p in people]
    if len(shown) <= 1:
        return "".join(shown)
    return ", ".join(shown[:-1]) + " and " + shown[-1]


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def refusal_reason(people: list[Lacking], purpose: str) -> str:
    """ "Jordan P. has not agreed to recording for quality assurance" (and/or "someone not
    signed in through Harbor is in the room")."""
    signed_in, stranger = _signed_in(people)
    stranger_text = f"{NOT_SIGNED_IN_NAME} is in the room"
    if not signed_in:
        return capitalised(stranger_text)
    kind = ConsentKind(CONSENT_FOR_PURPOSE[purpose])
    verb = "has" if len(signed_in) == 1 else "have"
    reason = f"{names(signed_in)} {verb} not agreed to {kind.label.lower()}"
    return f"{reason}, and {stranger_text}" if stranger else reason


def pause_text(people: list[Lacking], purpose: str) -> str:
    """What the facilitator sees: who, and for which purpose."""
    signed_in, stranger = _signed_in(people)
    stranger_text = f"{NOT_SIGNED_IN_NAME} is in the room"
    if not signed_in:
        return f"Recording paused: {stranger_text}"
    label = RecordingPurpose(purpose).label.lower()
    text = f"Recording paused: not everyone has agreed ({names(signed_in)} — {label})"
    return f"{text}; {stranger_text}" if stranger else text


# What every client in the room sees: it names nobody.
PAUSED_FOR_ROOM = "Recording paused: not everyone has agreed"
