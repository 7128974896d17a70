"""Who is in a group today: for apps above sessions (messaging's peer spaces) that must follow
enrolment as it changes, with nothing cached. "Today" is the program's local date, and an
enrolment covers its first and last day (`Enrolment.covers`)."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet
from django.utils import timezone

from iop.accounts.models import ClientProfile, User
from sessions_app.models import Enrolment, Group
from sessions_app.selectors.visibility import zone_of


def group_today(group: Group) -> date:
    """The group's program's local date now."""
    return timezone.now().astimezone(zone_of(group.program)).date()


def _covering(on: date) -> Q:
    return Q(starts_on__lte=on) & (Q(ends_on__isnull=True) | Q(ends_on__gte=on))


def group_members_now(group: Group) -> QuerySet[ClientProfile]:
    """The clients enrolled in the group today."""
    enrolled = Enrolment.objects.filter(_covering(group_today(group)), group=group)
    return ClientProfile.objects.select_related("user").filter(pk__in=enrolled.values("client_id"))


def group_member_user_ids_now(group: Group) -> set[int]:
    """The user ids of the clients enrolled in the group today."""
    return set(group_members_now(group).values_list("user_id", flat=True))


def is_group_member_now(group: Group, user: User) -> bool:
    return Enrolment.objects.filter(
        _covering(group_today(group)), group=group, client__user=user
    ).exists()


def groups_of_member_now(user: User) -> list[Group]:
    """The active groups the client is enrolled in today (each in its program's time zone)."""
    enrolments = Enrolment.objects.filter(client__user=user, group__is_active=True).select_related(
        "group__program"
    )
    found = {e.group_id: e.group for e in enrolments if e.covers(group_today(e.group))}
    return sorted(found.values(), key=lambda g: (g.name, g.pk))


def group_facilitator_ids(group: Group) -> list[int]:
    """The group's facilitators' user ids."""
    return sorted(
        Group.facilitators.through.objects.filter(group_id=group.pk).values_list(
            "user_id", flat=True
        )
    )
