"""Follow-ups after a resolved crisis: created at resolution, reminded, escalated when overdue."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from crisis.models import CrisisEvent, FollowUp, TimelineKind
from crisis.selectors import staff_number, supervisors_of
from crisis.services.check_ins import _check_in_schedules_step_up
from crisis.services.timeline import client_short_name, event_url, timeline_add
from iop.accounts.models import Role, User
from iop.accounts.selectors import clients_visible_to, primary_clinician_of
from iop.audit.models import Action
from iop.audit.services import access_record
from iop.domain import Conflict, NotAllowed
from iop.notify.models import Channel, Purpose
from iop.notify.services import message_enqueue
from iop.realtime.publish import publish_about_client
from iop.viewer import Actor, person_of

log = logging.getLogger(__name__)
TICK_BATCH = 100


def _label(hours: int) -> str:
    """24 hours, 72 hours, 7 days: as clinicians say them."""
    if hours >= 168 and hours % 24 == 0:
        return f"{hours // 24} days"
    return f"{hours} hours"


def _follow_ups_create(*, event: CrisisEvent, actor: Actor, now: datetime) -> list[FollowUp]:
    """Inside crisis_resolve's transaction: the default follow-ups for the primary clinician,
    and two weeks of stepped-up check-ins."""
    assignee = primary_clinician_of(event.client) or person_of(actor)
    if assignee is None:
        supervisors = supervisors_of(event.client.program_id)
        assignee = supervisors[0] if supervisors else None
    made = []
    if assignee is not None:
        for hours in settings.CRISIS_FOLLOW_UP_HOURS:
            due = now + timedelta(hours=hours)
            made.append(
                FollowUp.objects.create(
                    event=event,
                    client=event.client,
                    label=_label(hours),
                    assignee=assignee,
                    due_at=due,
                    next_action_at=due,
                )
            )
        timeline_add(
            event,
            TimelineKind.FOLLOW_UP,
            actor=actor,
            at=now,
            text=f"Follow-ups for {assignee.display_name}: "
            + ", ".join(f.label for f in made)
            + ".",
        )
    until = now + timedelta(days=settings.CRISIS_STEP_UP_DAYS)
    stepped = _check_in_schedules_step_up(client=event.client, until=until, now=now)
    timeline_add(
        event,
        TimelineKind.FOLLOW_UP,
        actor=actor,
        at=now,
        text=f"Check-ins stepped up until {timezone.localtime(until):%Y-%m-%d}: "
        + (", ".join(stepped) or "no schedules")
        + ".",
    )
    return made


def follow_up_complete(*, actor: Actor, follow_up: FollowUp, note: str = "") -> FollowUp:
    """The clinician made the follow-up contact (or the supervisor it was escalated to did)."""
    person = person_of(actor)
    if person is None or not person.is_clinical:
        raise NotAllowed("Only clinical staff complete follow-ups.")
    if follow_up.assignee_id != person.pk and not (
        person.role in (Role.SUPERVISOR, Role.ADMIN)
        and clients_visible_to(person).filter(pk=follow_up.client_id).exists()
    ):
        raise NotAllowed("This follow-up is assigned to someone else.")
    note = note.strip()
    if len(note) > 2000:
        raise ValidationError({"note": ["Keep the note under 2000 characters."]})
    with transaction.atomic():
        follow_up = (
            FollowUp.objects.select_for_update().select_related("event").get(pk=follow_up.pk)
        )
        if follow_up.completed_at is not None:
            raise Conflict(
                "This follow-up is already done.", fields={"completed_at": ["Already done."]}
            )
        follow_up.completed_at = timezone.now()
        follow_up.completed_by = person
        follow_up.note = note
        follow_up.next_action_at = None
        follow_up.save()
        timeline_add(
            follow_up.event,
            TimelineKind.FOLLOW_UP,
            actor=actor,
            text=f"{follow_up.label} follow-up done." + (f" {note}" if note else ""),
        )
        access_record(actor=actor, action=Action.UPDATE, client=follow_up.client, obj=follow_up)
    return follow_up


def follow_up_tick(*, batch: int = TICK_BATCH) -> int:
    """Remind assignees of due follow-ups; escalate ones still open after the grace period."""
    handled = 0
    while True:
        with transaction.atomic():
            now = timezone.now()
            due = list(
                FollowUp.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("event__client__user", "assignee")
                .filter(completed_at__isnull=True, next_action_at__lte=now)
                .order_by("next_action_at")[:batch]
            )
            for follow_up in due:
                if follow_up.reminded_at is None:
                    _remind(follow_up, now)
                else:
                    _escalate(follow_up, now)
                handled += 1
        if len(due) < batch:
            return handled


def _remind(follow_up: FollowUp, now: datetime) -> None:
    event = follow_up.event
    text = (
        f"Follow-up due: {follow_up.label} after crisis #{event.pk} ({client_short_name(event)})."
    )
    _tell([follow_up.assignee], follow_up, text, key="remind", purpose=Purpose.REMINDER)
    follow_up.reminded_at = now
    follow_up.next_action_at = follow_up.due_at + timedelta(
        minutes=settings.CRISIS_FOLLOW_UP_GRACE_MINUTES
    )
    follow_up.save(update_fields=["reminded_at", "next_action_at"])
    timeline_add(
        event,
        TimelineKind.FOLLOW_UP,
        at=now,
        text=f"Reminded {follow_up.assignee.display_name}: {text}",
    )


def _escalate(follow_up: FollowUp, now: datetime) -> None:
    event = follow_up.event
    supervisors = supervisors_of(follow_up.client.program_id)
    text = (
        f"OVERDUE follow-up: {follow_up.label} after crisis #{event.pk} "
        f"({client_short_name(event)}), assigned to {follow_up.assignee.display_name}."
    )
    _tell(supervisors, follow_up, text, key="overdue", purpose=Purpose.CRISIS)
    follow_up.escalated_at = now
    follow_up.next_action_at = None
    follow_up.save(update_fields=["escalated_at", "next_action_at"])
    timeline_add(
        event,
        TimelineKind.FOLLOW_UP,
        at=now,
        text=f"Escalated to {', '.join(s.display_name for s in supervisors) or 'nobody'}: {text}",
    )


def _tell(
    people: Iterable[User], follow_up: FollowUp, text: str, *, key: str, purpose: str
) -> None:
    link = f"{settings.PUBLIC_BASE_URL}{event_url(follow_up.event)}"
    for person in people:
        message_enqueue(
            actor=None,
            channel=Channel.SMS,
            purpose=purpose,
            idempotency_key=f"crisis:follow-up:{follow_up.pk}:{key}:sms:{person.pk}",
            to=staff_number(person),
            user=person,
            client=follow_up.client,
            about=follow_up,
            body=f"{settings.CLINIC_NAME}: {text} {link}",
        )
    publish_about_client(
        "crisis.follow_up_overdue" if key == "overdue" else "crisis.follow_up_due",
        {
            "title": text,
            "event_id": follow_up.event_id,
            "follow_up_id": follow_up.pk,
            "url": event_url(follow_up.event),
        },
        client_id=follow_up.client_id,
        user_ids=[p.pk for p in people],
    )
