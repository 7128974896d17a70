"""Enrolling clients in groups, within the group's capacity, and ending enrolments."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from iop.accounts.models import ClientProfile
from iop.audit.models import Action
from iop.audit.services import access_record
from iop.viewer import Actor
from sessions_app.models import Enrolment, Group, Session, SessionStatus
from sessions_app.services.access import require_manage_group
from sessions_app.services.reminders import reminders_cancel, reminders_schedule

FAR_FUTURE = date(9999, 12, 31)


def _most_at_once(enrolments: list[Enrolment], first: date, last: date) -> tuple[int, date]:
    """The largest number of these enrolments active on one day in first..last, and that day."""
    changes: dict[date, int] = {first: 0}
    for e in enrolments:
        start = max(e.starts_on, first)
        end = min(e.ends_on or FAR_FUTURE, last)
        if start > end:
            continue
        changes[start] = changes.get(start, 0) + 1
        if end < FAR_FUTURE:
            changes[end + timedelta(days=1)] = changes.get(end + timedelta(days=1), 0) - 1
    running, most, when = 0, 0, first
    for day in sorted(changes):
        running += changes[day]
        if running > most:
            most, when = running, day
    return most, when


def enrolment_create(
    *,
    actor: Actor,
    group: Group,
    client: ClientProfile,
    starts_on: date,
    ends_on: date | None = None,
) -> Enrolment:
    """Enrol a client in a group for a period; refused if the group would be over capacity."""
    errors: dict[str, list[str]] = {}
    if client.program_id != group.program_id:
        errors["client"] = [f"{client.user.display_name} is in another program than {group}."]
    if ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = ["The enrolment must end on or after its first day."]
    if not group.is_active:
        errors["group"] = [f"{group} is no longer active."]
    if errors:
        raise ValidationError(errors)
    require_manage_group(actor, group)
    last = ends_on or FAR_FUTURE
    with transaction.atomic():
        group = Group.objects.select_for_update().get(pk=group.pk)
        overlapping = list(
            Enrolment.objects.filter(group=group, starts_on__lte=last).filter(
                Q(ends_on__isnull=True) | Q(ends_on__gte=starts_on)
            )
        )
        if any(e.client_id == client.pk for e in overlapping):
            raise ValidationError(
                {"client": [f"{client.user.display_name} is already enrolled in {group} then."]}
            )
        most, when = _most_at_once(overlapping, starts_on, last)
        if most + 1 > group.capacity:
            raise ValidationError(
                {
                    "group": [
                        f"{group} is full on {when:%d %b %Y}: its capacity is {group.capacity} clients."
                    ]
                }
            )
        enrolment = Enrolment.objects.create(
            group=group, client=client, starts_on=starts_on, ends_on=ends_on
        )
        access_record(actor=actor, action=Action.CREATE, client=client, obj=enrolment)
        now = timezone.now()
        for session in _sessions_in(group, starts_on, last, now):
            reminders_schedule(session, now=now, clients=[client])
    return enrolment


def _sessions_in(group: Group, first: date, last: date, now: datetime) -> list[Session]:
    return list(
        Session.objects.filter(
            group=group,
            status=SessionStatus.SCHEDULED,
            local_date__gte=first,
            local_date__lte=last,
            starts_at__gt=now,
        )
    )


def enrolment_end(*, actor: Actor, enrolment: Enrolment, ends_on: date) -> Enrolment:
    """End an enrolment on a day: later sessions no longer expect the client (nor remind them)."""
    require_manage_group(actor, enrolment.group)
    if ends_on < enrolment.starts_on:
        raise ValidationError({"ends_on": ["The enrolment must end on or after its first day."]})
    with transaction.atomic():
        enrolment = (
            Enrolment.objects.select_for_update()
            .select_related("client__user", "group")
            .get(pk=enrolment.pk)
        )
        enrolment.ends_on = ends_on
        enrolment.save(update_fields=["ends_on"])
        now = timezone.now()
        for session in _sessions_in(enrolment.group, ends_on + timedelta(days=1), FAR_FUTURE, now):
            reminders_cancel(session, reason="the enrolment ended", clients=[enrolment.client])
        access_record(actor=actor, action=Action.UPDATE, client=enrolment.client, obj=enrolment)
    return enrolment
