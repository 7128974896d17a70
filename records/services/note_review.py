"""After signing: addenda to a locked note, a supervisor's co-signature, and who needs one."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from iop.accounts.models import Role, User
from iop.audit.models import Action
from iop.audit.services import access_record, access_record_changes
from iop.domain import Conflict, DomainError, NotAllowed
from iop.viewer import Actor
from records.models import NoteAddendum, NoteCosignRequirement, SessionNote
from records.models.notes import ADDENDUM_MAX, REASON_MAX
from records.services.notes import (
    is_program_supervisor,
    may_document,
    require_may_write_notes,
)
from records.signatures import names_match
from sessions_app.selectors import supervised_program_ids


def _text(value: Any, name: str, limit: int, missing: str, errors: dict[str, list[str]]) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        errors[name] = [missing]
    elif len(text) > limit:
        errors[name] = [f"Keep it under {limit} characters."]
    return text


def note_addendum_add(*, actor: Actor, note: SessionNote, reason: Any, text: Any) -> NoteAddendum:
    """Who may document the client at the session (or the program's supervisor) adds an
    addendum, with its reason, to a signed note; a draft is edited instead."""
    person = require_may_write_notes(actor)
    if not (
        may_document(person, note.session, note.client)
        or is_program_supervisor(person, note.client.program_id)
    ):
        raise NotAllowed("Only the session's facilitators, the care team or a supervisor add one.")
    errors: dict[str, list[str]] = {}
    why = _text(reason, "reason", REASON_MAX, "Say why this addendum is added.", errors)
    body = _text(text, "text", ADDENDUM_MAX, "Write the addendum.", errors)
    with transaction.atomic():
        locked = SessionNote.objects.select_for_update().get(pk=note.pk)
        if not locked.is_signed:
            raise Conflict("Addenda are added to a signed note: edit the draft instead.")
        if errors:
            raise DomainError("Check the addendum.", fields=errors)
        addendum = NoteAddendum.objects.create(
            note=locked, author=person, written_at=timezone.now(), reason=why, text=body
        )
        access_record(actor=person, action=Action.CREATE, client=note.client, obj=addendum)
    return addendum


def require_may_cosign(actor: Actor) -> User:
    """The person acting, if they are a supervisor (else NotAllowed): supervisors co-sign."""
    person = require_may_write_notes(actor)
    if person.role != Role.SUPERVISOR:
        raise NotAllowed("Notes are co-signed by a supervisor of the program.")
    return person


def note_cosign(*, actor: Actor, note: SessionNote, typed_name: Any) -> SessionNote:
    """A supervisor of the client's program co-signs a signed note that needs it, by typed name."""
    person = require_may_cosign(actor)
    if not is_program_supervisor(person, note.client.program_id):
        raise NotAllowed("Only a supervisor of the client's program co-signs this note.")
    if note.author_id == person.pk:
        raise NotAllowed("A note is co-signed by someone other than its author.")
    with transaction.atomic():
        locked = SessionNote.objects.select_for_update().get(pk=note.pk)
        if not locked.is_signed:
            raise Conflict("The note is co-signed after its author signs it.")
        if not locked.needs_cosign:
            raise Conflict("This note does not need a co-signature.")
        if locked.cosigned_at is not None:
            raise Conflict("This note is co-signed already.")
        if not names_match(typed_name, person):
            raise DomainError(
                "Type your name to co-sign.",
                fields={"typed_name": [f"Type your full name ({person.full_name}) to co-sign."]},
            )
        locked.cosigned_by = person
        locked.cosigned_name = " ".join(typed_name.split())
        locked.cosigned_at = timezone.now()
        locked.save()
        access_record(
            actor=person, action=Action.UPDATE, client=note.client, obj=locked, detail="co-signed"
        )
    return locked


def note_cosign_requirement_set(
    *, actor: Actor, clinician: User, required: bool, reason: str = ""
) -> NoteCosignRequirement | None:
    """An administrator, or a supervisor of the clinician's program, says whether the
    clinician's notes need a co-signature (notes signed from then on)."""
    person = require_may_write_notes(actor)
    if clinician.role != Role.CLINICIAN:
        raise DomainError(
            "Only a clinician's notes need co-signature.",
            fields={"clinician": ["Choose a clinician."]},
        )
    program_id = getattr(getattr(clinician, "staff_profile", None), "program_id", None)
    if person.role != Role.ADMIN and not (
        person.role == Role.SUPERVISOR and program_id in set(supervised_program_ids(person))
    ):
        raise NotAllowed("An administrator or the clinician's supervisor decides this.")
    with transaction.atomic():
        found = NoteCosignRequirement.objects.select_for_update().filter(clinician=clinician)
        existing = found.first()
        if not required:
            if existing is not None:
                access_record(
                    actor=person,
                    action=Action.DELETE,
                    client=None,
                    obj=existing,
                    detail="notes no longer need co-signature",
                )
                existing.delete()
            return None
        if existing is not None:
            return existing
        row = NoteCosignRequirement.objects.create(
            clinician=clinician, reason=reason[:200], set_by=person, set_at=timezone.now()
        )
        access_record_changes(actor=person, client=None, obj=row, before=None, fields=["reason"])
    return row
