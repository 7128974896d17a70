"""Who may change what: shared by every sessions service."""

from __future__ import annotations

from iop.accounts.models import CLINICAL_ROLES, ClientProfile, Role, StaffProfile, User
from iop.domain import NotAllowed
from iop.viewer import Actor, api_key_of, person_of
from sessions_app.models import Group, Session


def _key_may_write(actor: Actor, program_id: int) -> bool:
    from iop.api.models import Scope

    key = api_key_of(actor)
    return key is not None and key.has_scope(Scope.SESSIONS_WRITE) and key.program_id == program_id


def _supervises(user: User, program_id: int) -> bool:
    return (
        user.role == Role.SUPERVISOR
        and StaffProfile.objects.filter(user=user, program_id=program_id).exists()
    )


def may_manage_group(actor: Actor, group: Group) -> bool:
    if _key_may_write(actor, group.program_id):
        return True
    person = person_of(actor)
    if person is None:
        return False
    if person.role == Role.ADMIN or _supervises(person, group.program_id):
        return True
    return person.role == Role.CLINICIAN and group.facilitators.filter(pk=person.pk).exists()


def may_manage_session(actor: Actor, session: Session) -> bool:
    """Run it: correct attendance, move or cancel it, answer its chat, decide make-ups into it."""
    if _key_may_write(actor, session.program_id):
        return True
    person = person_of(actor)
    if person is None:
        return False
    if person.role == Role.ADMIN or _supervises(person, session.program_id):
        return True
    if person.role != Role.CLINICIAN:
        return False
    if session.facilitator_id == person.pk:
        return True
    return session.group is not None and session.group.facilitators.filter(pk=person.pk).exists()


def require_manage_group(actor: Actor, group: Group) -> None:
    if not may_manage_group(actor, group):
        raise NotAllowed("You cannot change the schedule or enrolment of this group.")


def require_manage_session(actor: Actor, session: Session) -> None:
    if not may_manage_session(actor, session):
        raise NotAllowed("You do not run this session.")


def require_schedule_for(
    actor: Actor, *, program_id: int, group: Group | None, client: ClientProfile | None
) -> None:
    """Scheduling a series or single session: the group's managers, or the client's program staff."""
    if group is not None:
        require_manage_group(actor, group)
        return
    if _key_may_write(actor, program_id):
        return
    person = person_of(actor)
    if person is None:
        raise NotAllowed("You cannot schedule sessions.")
    if person.role == Role.ADMIN or _supervises(person, program_id):
        return
    if (
        person.role == Role.CLINICIAN
        and client is not None
        and client.care_team.filter(clinician=person).exists()
    ):
        return
    raise NotAllowed("You cannot schedule sessions for this client.")


def require_self(actor: Actor, client: ClientProfile) -> None:
    person = person_of(actor)
    if person is None or person.pk != client.user_id:
        raise NotAllowed("Only the client can do this.")


def require_may_schedule(actor: Actor) -> None:
    """Asked before reading a scheduling request: only clinical staff and write keys schedule
    (which groups and clients they may schedule for is each service's own check)."""
    from iop.api.models import Scope

    key = api_key_of(actor)
    if key is not None:
        if key.has_scope(Scope.SESSIONS_WRITE):
            return
    else:
        person = person_of(actor)
        if person is not None and person.is_active and person.role in CLINICAL_ROLES:
            return
    raise NotAllowed("You cannot schedule sessions.")
