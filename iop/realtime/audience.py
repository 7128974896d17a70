"""Who may receive a live event that identifies a client: the one rule, asked at send time.

The candidates are the people who look after the client: their care team, the supervisors and
the on-call clinicians of the client's program, the clinic's administrators, and anyone the
caller names (the people an escalation step alerted). Each is kept only if the registered rule
says they may reach the client; the crisis app registers `client_reachable_by` in `ready()`,
and without it `clients_visible_to` decides. Support agents are never candidates.

    # crisis/apps.py
    def ready(self):
        from iop.realtime import audience
        audience.register(client_reachable_by)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from iop.accounts import on_call
from iop.accounts.models import CLINICAL_ROLES, ClientProfile, Role, User
from iop.accounts.selectors import clients_visible_to

Rule = Callable[[User, ClientProfile], bool]  # may this person see this client now?

_rule: list[Rule] = []


def register(rule: Rule) -> None:
    """Make `rule` the answer to "may this person see this client" (replacing any earlier one)."""
    _rule[:] = [rule]


def _by_caseload(user: User, client: ClientProfile) -> bool:
    return clients_visible_to(user).filter(pk=client.pk).exists()


def may_see(user: User, client: ClientProfile) -> bool:
    return (_rule[0] if _rule else _by_caseload)(user, client)


def candidates(client: ClientProfile, also: Iterable[int] = ()) -> list[User]:
    """Who might look after the client: care team, program supervisors, on call, admins."""
    wanted = set(also)
    wanted |= set(client.care_team.values_list("clinician_id", flat=True))
    wanted |= set(
        User.objects.filter(
            role=Role.SUPERVISOR, staff_profile__program_id=client.program_id
        ).values_list("pk", flat=True)
    )
    wanted |= {person.pk for person in on_call.on_call_now(client.program_id)}
    wanted |= set(User.objects.filter(role=Role.ADMIN).values_list("pk", flat=True))
    return list(
        User.objects.filter(pk__in=wanted, is_active=True, role__in=CLINICAL_ROLES).order_by("pk")
    )


def audience_of(
    client: ClientProfile, *, user_ids: Iterable[int] = (), everyone: bool = True
) -> list[User]:
    """The people an event about `client` goes to: `user_ids` (and, when `everyone`, all who
    look after the client), each only if they may see the client now."""
    people = (
        candidates(client, user_ids)
        if everyone
        else list(
            User.objects.filter(
                pk__in=set(user_ids), is_active=True, role__in=CLINICAL_ROLES
            ).order_by("pk")
        )
    )
    return [person for person in people if may_see(person, client)]
