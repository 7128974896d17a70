"""Administering escalation policies and the on-call rota, with clear refusals of bad input."""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from crisis.models import EscalationPolicy, EscalationStep, OnCallShift, StepChannel, StepTarget
from iop.accounts.models import Program, Role, StaffProfile, User
from iop.audit.models import Action
from iop.audit.services import access_record, access_record_changes
from iop.domain import NotAllowed
from iop.viewer import Actor, person_of

MAX_WAIT_MINUTES = 1440
# Who is on call when: each change of these is an audit row (the admin's history is editable).
SHIFT_AUDITED = ("program_id", "user_id", "starts_at", "ends_at", "time_zone")


def _require_admin(actor: Actor, program: Program | None = None) -> None:
    # An API key (or Harbor itself) does not administer rotas: only a signed-in person.
    person = person_of(actor)
    if person is None:
        raise NotAllowed("Sign in as an administrator.")
    if person.role == Role.ADMIN or person.is_superuser:
        return
    if (
        person.role == Role.SUPERVISOR
        and program is not None
        and StaffProfile.objects.filter(user=person, program=program).exists()
    ):
        return
    raise NotAllowed("Only administrators (or the program's supervisors) manage this.")


def _validate_steps(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Check every step; errors are keyed `steps.<n>.<field>` (n from 0)."""
    if not steps:
        raise ValidationError({"steps": ["A policy needs at least one step."]})
    errors: dict[str, list[str]] = {}
    clean = []
    for n, step in enumerate(steps):
        target = step.get("target")
        if target not in StepTarget.values:
            errors[f"steps.{n}.target"] = [f"Choose one of: {', '.join(StepTarget.values)}."]
        channels = list(step.get("channels") or [])
        if not channels or any(c not in StepChannel.values for c in channels):
            errors[f"steps.{n}.channels"] = [
                f"Choose one or more of: {', '.join(StepChannel.values)}."
            ]
        wait = step.get("wait_minutes")
        if isinstance(wait, bool) or not isinstance(wait, int):
            errors[f"steps.{n}.wait_minutes"] = ["Give the wait as a whole number of minutes."]
        elif wait < 0:
            errors[f"steps.{n}.wait_minutes"] = [f"The wait cannot be negative (got {wait})."]
        elif wait > MAX_WAIT_MINUTES:
            errors[f"steps.{n}.wait_minutes"] = [f"The wait is at most {MAX_WAIT_MINUTES} minutes."]
        user = step.get("user")
        if target == StepTarget.USER and user is None:
            errors[f"steps.{n}.user"] = ["Name the person this step alerts."]
        if target != StepTarget.USER and user is not None:
            errors[f"steps.{n}.user"] = ["Only a 'named person' step names a person."]
        if user is not None and not (user.is_active and user.is_staff_member):
            errors[f"steps.{n}.user"] = ["Choose an active staff member."]
        clean.append({**step, "channels": list(dict.fromkeys(channels))})
    if errors:
        raise ValidationError(errors)
    return clean


def escalation_policy_save(
    *,
    actor: Actor,
    name: str,
    steps: list[dict[str, Any]],
    program: Program | None = None,
    is_default: bool = False,
    repeat_count: int = 1,
    description: str = "",
    policy: EscalationPolicy | None = None,
) -> EscalationPolicy:
    """Create or replace a policy and its steps. Running escalations keep their own copy."""
    _require_admin(actor, program)
    if not name.strip():
        raise ValidationError({"name": ["Give the policy a name."]})
    if (
        isinstance(repeat_count, bool)
        or not isinstance(repeat_count, int)
        or not 1 <= repeat_count <= 10
    ):
        raise ValidationError({"repeat_count": ["Repeat the steps from 1 to 10 times."]})
    clean = _validate_steps(steps)
    with transaction.atomic():
        policy = policy or EscalationPolicy()
        if is_default:
            EscalationPolicy.objects.filter(program=program, is_default=True).exclude(
                pk=policy.pk
            ).update(is_default=False)
        policy.name, policy.program, policy.is_default = name.strip(), program, is_default
        policy.repeat_count, policy.description = repeat_count, description
        policy.save()
        policy.steps.all().delete()
        EscalationStep.objects.bulk_create(
            EscalationStep(
                policy=policy,
                position=n + 1,
                target=step["target"],
                user=step.get("user"),
                channels=step["channels"],
                wait_minutes=step["wait_minutes"],
            )
            for n, step in enumerate(clean)
        )
    return policy


def _overlapping_shift(
    program_id: int, starts_at: datetime, ends_at: datetime, *, exclude_id: int | None = None
) -> OnCallShift | None:
    rows = OnCallShift.objects.filter(
        program_id=program_id, starts_at__lt=ends_at, ends_at__gt=starts_at
    )
    if exclude_id is not None:
        rows = rows.exclude(pk=exclude_id)
    return rows.select_related("user").order_by("starts_at").first()


def _describe_shift(shift: OnCallShift) -> str:
    zone = zoneinfo.ZoneInfo(shift.time_zone)
    start, end = shift.starts_at.astimezone(zone), shift.ends_at.astimezone(zone)
    return (
        f"{shift.user.display_name} {start:%a %d %b %H:%M}–{end:%a %d %b %H:%M} ({shift.time_zone})"
    )


def _validate_shift(
    *,
    program: Program,
    user: User,
    starts_at: datetime,
    ends_at: datetime,
    time_zone: str,
    exclude_id: int | None = None,
) -> None:
    try:
        zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError({"time_zone": [f"{time_zone!r} is not a time zone name."]}) from None
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValidationError({"starts_at": ["Give times with their time zone."]})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": ["The shift must end after it starts."]})
    if not (user.is_active and user.is_clinical):
        raise ValidationError({"user": ["Only active clinical staff go on call."]})
    other = _overlapping_shift(program.pk, starts_at, ends_at, exclude_id=exclude_id)
    if other is not None:
        raise ValidationError(
            {"starts_at": [f"Overlaps another shift on this rota: {_describe_shift(other)}."]}
        )


def on_call_shift_save(
    *,
    actor: Actor,
    program: Program,
    user: User,
    starts_at: datetime,
    ends_at: datetime,
    time_zone: str,
    note: str = "",
    shift: OnCallShift | None = None,
) -> OnCallShift:
    """Add or move a shift; overlapping shifts on the program's rota are refused."""
    _require_admin(actor, program)
    exclude = shift.pk if shift is not None else None
    _validate_shift(
        program=program,
        user=user,
        starts_at=starts_at,
        ends_at=ends_at,
        time_zone=time_zone,
        exclude_id=exclude,
    )
    shift = shift or OnCallShift()
    before = (
        None
        if shift.pk is None
        else OnCallShift.objects.filter(pk=shift.pk).values(*SHIFT_AUDITED).first()
    )
    shift.program, shift.user, shift.time_zone, shift.note = program, user, time_zone, note
    shift.starts_at, shift.ends_at = starts_at, ends_at
    try:
        with transaction.atomic():
            shift.save()
            access_record_changes(
                actor=actor, client=None, obj=shift, before=before, fields=SHIFT_AUDITED
            )
    except IntegrityError:
        # A concurrent save took the slot between our check and the insert.
        raise ValidationError({"starts_at": ["Overlaps another shift on this rota."]}) from None
    return shift


def on_call_shift_delete(*, actor: Actor, shift: OnCallShift) -> None:
    """Take a shift off the rota; the audit log keeps who was on call when."""
    _require_admin(actor, shift.program)
    with transaction.atomic():
        access_record(
            actor=actor, action=Action.DELETE, client=None, obj=shift, detail=_describe_shift(shift)
        )
        shift.delete()
