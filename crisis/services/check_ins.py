"""Submitting check-ins, setting schedules, stepping them up, and prompting clients when due."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from crisis import instruments
from crisis.models import (
    CheckIn,
    CheckInChannel,
    CheckInSchedule,
    CrisisSource,
    RiskLevel,
    TimelineKind,
)
from crisis.selectors import client_reachable_by
from crisis.services.timeline import timeline_add
from iop.accounts.models import ClientProfile, Role
from iop.accounts.selectors import clients_visible_to
from iop.audit.models import Action
from iop.audit.services import access_record
from iop.domain import NotAllowed
from iop.notify.models import Channel, Purpose
from iop.notify.services import message_enqueue
from iop.viewer import Actor, person_of

log = logging.getLogger(__name__)
NOTE_MAX = 500
PROMPT_BATCH = 200


def _instrument(code: Any) -> instruments.Instrument:
    try:
        return instruments.current(str(code))
    except KeyError:
        known = ", ".join(code for code, _ in instruments.choices())
        raise ValidationError(
            {"instrument": [f"Unknown instrument {code!r}; choose one of: {known}."]}
        ) from None


def _require_can_submit(actor: Actor, client: ClientProfile, channel: str) -> None:
    from iop.api.models import ApiKey, Scope

    if isinstance(actor, ApiKey):
        if not actor.has_scope(Scope.CHECKINS_WRITE) or actor.program_id != client.program_id:
            raise NotAllowed("This API key cannot record check-ins for this client.")
        return
    if actor is None:
        if channel != CheckInChannel.SMS:
            raise NotAllowed(
                "Only a text message from the client's own number is taken without sign-in."
            )
        return
    person = person_of(actor)
    if person is None:
        raise NotAllowed("Sign in to record a check-in.")
    if person.role == Role.CLIENT:
        if client.user_id != person.pk:
            raise NotAllowed("You can only check in for yourself.")
        return
    if person.is_clinical and clients_visible_to(person).filter(pk=client.pk).exists():
        return
    raise NotAllowed("You cannot record check-ins for this client.")


def check_in_submit(
    *,
    actor: Actor,
    client: ClientProfile,
    instrument: str,
    answers: Any,
    note: str = "",
    channel: str = CheckInChannel.PORTAL,
) -> CheckIn:
    """Validate answers against the instrument, store the result; a high risk opens a crisis."""
    _require_can_submit(actor, client, channel)
    definition = _instrument(instrument)
    clean, result = definition.evaluate(answers)
    note = (note or "").strip()
    if note and not definition.allows_note:
        raise ValidationError({"note": [f"{definition.short_name} takes no note."]})
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": [f"Keep the note under {NOTE_MAX} characters."]})
    from crisis.services.events import _open_locked

    with transaction.atomic():
        now = timezone.now()
        check_in = CheckIn.objects.create(
            client=client,
            instrument=definition.code,
            instrument_version=definition.version,
            answers_json=json.dumps(clean, sort_keys=True),
            note=note,
            score=result.score,
            band=result.band,
            risk=result.risk,
            risk_rank=instruments.RISK_RANK[result.risk],
            channel=channel,
            submitted_by=person_of(actor),
            submitted_at=now,
        )
        schedule = (
            CheckInSchedule.objects.select_for_update()
            .filter(client=client, instrument=definition.code)
            .first()
        )
        if schedule is not None:
            schedule.next_due_at = schedule.next_after(now)
            schedule.save(update_fields=["next_due_at", "updated_at"])
        access_record(actor=actor, action=Action.CREATE, client=client, obj=check_in)
        if result.risk == RiskLevel.HIGH:
            summary = f"{definition.short_name} (score {result.score}): " + "; ".join(
                result.reasons
            )
            event, _ = _open_locked(
                actor=actor, client=client, source=CrisisSource.CHECK_IN, summary=summary
            )
            check_in.crisis_event = event
            check_in.save(update_fields=["crisis_event"])
            timeline_add(
                event,
                TimelineKind.CHECK_IN,
                actor=actor,
                text=f"High-risk {definition.short_name}: {summary}",
                data={"check_in_id": check_in.pk},
            )
    return check_in


def check_in_schedule_set(
    *,
    actor: Actor,
    client: ClientProfile,
    instrument: str,
    interval_days: Any,
    channel: str = CheckInChannel.PORTAL,
    is_active: bool = True,
) -> CheckInSchedule:
    """A clinician sets how often the client completes an instrument (first one due now)."""
    person = person_of(actor)
    if person is None or not person.is_clinical or not client_reachable_by(person, client):
        raise NotAllowed("Only the client's clinicians set check-in schedules.")
    definition = _instrument(instrument)
    try:
        interval = int(interval_days)
    except (TypeError, ValueError):
        raise ValidationError(
            {"interval_days": ["Give the interval as a whole number of days."]}
        ) from None
    if not 1 <= interval <= 90:
        raise ValidationError({"interval_days": ["The interval must be from 1 to 90 days."]})
    if channel not in (CheckInChannel.PORTAL, CheckInChannel.SMS):
        raise ValidationError({"channel": ["Choose portal or sms."]})
    if channel == CheckInChannel.SMS and definition.code != "mood":
        raise ValidationError({"channel": ["Only the mood scale can be answered by text message."]})
    with transaction.atomic():
        schedule, created = CheckInSchedule.objects.select_for_update().get_or_create(
            client=client,
            instrument=definition.code,
            defaults={"interval_days": interval, "channel": channel, "set_by": person},
        )
        schedule.interval_days = interval
        schedule.channel = channel
        schedule.is_active = bool(is_active)
        schedule.set_by = person
        schedule.ends_at = None
        if created or schedule.next_due_at is None:
            schedule.next_due_at = timezone.now()
        schedule.save()
        access_record(
            actor=actor,
            action=Action.CREATE if created else Action.UPDATE,
            client=client,
            obj=schedule,
        )
    return schedule


def _check_in_schedules_step_up(
    *, client: ClientProfile, until: datetime, now: datetime
) -> list[str]:
    """After a crisis: ask more often until `until`; add a daily mood check-in if there is none.

    Runs inside the resolving transaction. Returns what was stepped up, for the timeline.
    """
    changed = []
    schedules = {
        s.instrument: s for s in CheckInSchedule.objects.select_for_update().filter(client=client)
    }
    if "mood" not in schedules:
        schedules["mood"] = CheckInSchedule.objects.create(
            client=client, instrument="mood", interval_days=1, next_due_at=now, ends_at=until
        )
    for schedule in schedules.values():
        if not schedule.is_active:
            if schedule.ends_at is None:
                continue
            schedule.is_active = True
        schedule.stepped_up_until = until
        if schedule.ends_at is not None:
            schedule.ends_at = max(schedule.ends_at, until)
        soonest = (
            now
            if schedule.next_due_at is None
            else min(schedule.next_due_at, schedule.next_after(now))
        )
        schedule.next_due_at = soonest
        schedule.save()
        definition = instruments.current(schedule.instrument)
        changed.append(
            f"{definition.short_name} every {schedule.effective_interval_days(now)} day(s)"
        )
    return sorted(changed)


def check_in_prompt_tick(*, batch: int = PROMPT_BATCH) -> int:
    """Text each client whose check-in has come due, once per due time (needs SMS consent)."""
    sent = 0
    with transaction.atomic():
        now = timezone.now()
        CheckInSchedule.objects.filter(is_active=True, ends_at__lte=now).update(is_active=False)
        due = list(
            CheckInSchedule.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("client__user")
            .filter(is_active=True, next_due_at__lte=now)
            .filter(Q(prompted_for__isnull=True) | ~Q(prompted_for=F("next_due_at")))
            .order_by("next_due_at")[:batch]
        )
        for schedule in due:
            _prompt(schedule)
            schedule.prompted_for = schedule.next_due_at
            schedule.save(update_fields=["prompted_for"])
            sent += 1
    return sent


def _prompt(schedule: CheckInSchedule) -> None:
    definition = instruments.current(schedule.instrument)
    user = schedule.client.user
    due_at = schedule.next_due_at
    if not user.phone or due_at is None:  # the tick only picks schedules with a due time
        return
    if schedule.channel == CheckInChannel.SMS:
        body = (
            f"{settings.CLINIC_NAME}: {definition.prompt} Reply with a number, and a few words if you "
            "like. In a crisis call 988."
        )
    else:
        link = settings.PUBLIC_BASE_URL + reverse("crisis:check_in", args=[definition.code])
        body = f"{settings.CLINIC_NAME}: your {definition.short_name} check-in is due. {link}"
    message_enqueue(
        actor=None,
        channel=Channel.SMS,
        purpose=Purpose.REMINDER,
        idempotency_key=f"check-in:{schedule.pk}:{due_at.isoformat()}",
        user=user,
        client=schedule.client,
        about=schedule,
        body=body,
        expires_at=schedule.next_after(due_at),
    )
