"""Who may do what to a ticket, shared by the ticket services (not services themselves)."""

from __future__ import annotations

from iop.accounts.models import Role, User
from iop.domain import NotAllowed
from iop.viewer import Actor, api_key_of, person_of
from support.models import Ticket
from support.selectors import AGENT_ROLES


def agent_of(actor: Actor) -> User | None:
    """The acting support agent or administrator, or None."""
    person = person_of(actor)
    if person is None or not person.is_active or person.role not in AGENT_ROLES:
        return None
    return person


def key_may_write(actor: Actor, program_id: int | None) -> bool:
    from iop.api.models import Scope

    key = api_key_of(actor)
    return (
        key is not None
        and key.is_usable()
        and key.has_scope(Scope.SUPPORT_WRITE)
        and program_id is not None
        and key.program_id == program_id
    )


def is_requester(actor: Actor, ticket: Ticket) -> bool:
    person = person_of(actor)
    return person is not None and person.is_active and person.pk == ticket.requester_id


def works_the_desk(actor: Actor, ticket: Ticket) -> bool:
    """An agent, an API key allowed to write its program's tickets, or Harbor itself (None:
    the SLA tick, a chat turned ticket)."""
    return actor is None or agent_of(actor) is not None or key_may_write(actor, ticket.program_id)


def require_desk(actor: Actor, ticket: Ticket) -> None:
    if not works_the_desk(actor, ticket):
        raise NotAllowed("Only support staff can do this.")


def require_admin(actor: Actor) -> User:
    person = person_of(actor)
    if (
        person is None
        or not person.is_active
        or not (person.role == Role.ADMIN or person.is_superuser)
    ):
        raise NotAllowed("Only administrators change the support desk's set-up.")
    return person
