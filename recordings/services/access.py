"""Who may start and stop a session's recording: the people who run it."""

from __future__ import annotations

from typing import Any

from iop.domain import NotAllowed
from iop.viewer import Actor, person_of
from sessions_app.selectors import facilitator_ids


def may_record(actor: Actor, session: Any) -> bool:
    """The session's facilitators (its own and its group's), signed in as clinical staff."""
    person = person_of(actor)
    return (
        person is not None
        and person.is_active
        and person.is_clinical
        and person.pk in facilitator_ids(session)
    )


def require_may_record(actor: Actor, session: Any) -> None:
    if not may_record(actor, session):
        raise NotAllowed("Only the session's facilitators start or stop its recording.")
