"""A program's settings for its clinical record."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from iop.accounts.models import Program, Role, User
from iop.audit.services import access_record_changes
from iop.domain import DomainError, NotAllowed
from records.models import RecordSettings
from records.services.hours import hours_check_reschedule

EDITABLE = (
    "plan_review_days",
    "note_format",
    "clients_see_signed_notes",
    "weekly_minimum_hours",
    "weekly_maximum_hours",
    "engagement_check_weekday",
)


def record_settings_update(*, actor: User, program: Program, **changes: Any) -> RecordSettings:
    """The program's supervisor (or an admin) changes its record settings; all or nothing."""
    allowed = actor.role == Role.ADMIN or (
        actor.role == Role.SUPERVISOR
        and getattr(getattr(actor, "staff_profile", None), "program_id", None) == program.pk
    )
    if not allowed:
        raise NotAllowed("Only the program's supervisor or an administrator may change this.")
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise DomainError(
            "Unknown settings.", fields={name: ["Unknown setting."] for name in unknown}
        )
    with transaction.atomic():
        row, created = RecordSettings.objects.select_for_update().get_or_create(program=program)
        before = None if created else {name: getattr(row, name) for name in EDITABLE}
        for name, value in changes.items():
            setattr(row, name, value)
        try:
            row.full_clean()
        except ValidationError as error:
            raise DomainError("Check the settings.", fields=error.message_dict) from error
        row.save()
        if before is None or before["engagement_check_weekday"] != row.engagement_check_weekday:
            hours_check_reschedule(program)
        access_record_changes(
            actor=actor,
            client=None,
            obj=row,
            before=before,
            fields=EDITABLE,
        )
    return row
