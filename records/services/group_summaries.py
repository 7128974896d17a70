"""The shared summary of a group session: written by its facilitators, signed, then locked.
Staff only: it names everyone in the room, so no client ever reads it."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from iop.audit.models import Action
from iop.audit.services import access_record
from iop.domain import Conflict, DomainError, NotAllowed
from iop.viewer import Actor
from records.models import GroupSummary
from records.models.notes import SUMMARY_MAX
from records.services.notes import require_may_write_notes
from records.signatures import names_match
from sessions_app.selectors import facilitator_ids


def group_summary_save(*, actor: Actor, session: Any, text: Any) -> GroupSummary:
    """A facilitator of a group session writes (or changes, until signed) its summary."""
    person = require_may_write_notes(actor)
    if session.group_id is None:
        raise DomainError(
            "Only a group session has a group summary.",
            fields={"session": ["This is not a group session."]},
        )
    if person.pk not in facilitator_ids(session):
        raise NotAllowed("Only the session's facilitators write its group summary.")
    body = text.strip() if isinstance(text, str) else ""
    if not body:
        raise DomainError("Write the summary.", fields={"text": ["Write the summary."]})
    if len(body) > SUMMARY_MAX:
        raise DomainError(
            "The summary is too long.",
            fields={"text": [f"Keep the summary under {SUMMARY_MAX} characters."]},
        )
    with transaction.atomic():
        now = timezone.now()
        summary = GroupSummary.objects.select_for_update().filter(session=session).first()
        if summary is None:
            summary = GroupSummary.objects.create(
                session=session, author=person, text=body, created_at=now, updated_at=now
            )
            action = Action.CREATE
        elif summary.is_signed:
            raise Conflict("The group summary is signed and locked.")
        else:
            summary.text, summary.updated_at = body, now
            summary.save(update_fields=["text", "updated_at"])
            action = Action.UPDATE
        access_record(actor=person, action=action, client=None, obj=summary)
    return summary


def group_summary_sign(*, actor: Actor, summary: GroupSummary, typed_name: Any) -> GroupSummary:
    """Only the summary's author signs it, with their typed name; then it is locked."""
    person = require_may_write_notes(actor)
    if summary.author_id != person.pk:
        raise NotAllowed("Only the summary's author may sign it.")
    with transaction.atomic():
        locked = GroupSummary.objects.select_for_update().get(pk=summary.pk)
        if locked.is_signed:
            raise Conflict("The group summary is signed already.")
        if not names_match(typed_name, person):
            raise DomainError(
                "Type your name to sign.",
                fields={"typed_name": [f"Type your full name ({person.full_name}) to sign."]},
            )
        locked.signed_by, locked.signed_at = person, timezone.now()
        locked.signed_name = " ".join(typed_name.split())
        locked.save()
        access_record(actor=person, action=Action.UPDATE, client=None, obj=locked, detail="signed")
    return locked
