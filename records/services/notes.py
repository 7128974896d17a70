"""Session notes: drafting, signing (which locks), addenda, co-signature, group summaries.

A note is written for a client who attended, by a facilitator of the session or a clinician of
the client's care team. Only its author signs it, with their typed name; a signed note is never
edited again: corrections are addenda (who, when, why). A clinician flagged as needing
co-signature has their signed notes co-signed by a supervisor of the client's program.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from iop.accounts.models import CareTeamMember, ClientProfile, Role, User
from iop.audit.models import Action
from iop.audit.services import access_record
from iop.domain import Conflict, DomainError, NotAllowed
from iop.viewer import Actor, api_key_of, person_of
from records.models import PlanObjective, SessionNote
from records.models.notes import ALL_SECTIONS, SECTION_MAX, SECTIONS, NoteCosignRequirement
from records.selectors.settings import record_settings_for
from records.signatures import names_match
from sessions_app.selectors import (
    ATTENDED_STATUSES,
    attendance_of_client_at,
    facilitator_ids,
    supervised_program_ids,
)

# -- who may write ----------------------------------------------------------------------------


def require_may_write_notes(actor: Actor) -> User:
    """The person writing, if their role may document care at all (else NotAllowed): clinical
    staff. Clients, support agents and API keys never write notes."""
    if api_key_of(actor) is not None:
        raise NotAllowed(
            "An API key cannot write session notes: a clinician writes and signs them."
        )
    person = person_of(actor)
    if person is None or not person.is_active:
        raise NotAllowed("Sign in to write session notes.")
    if not person.is_clinical:
        raise NotAllowed("Session notes are written by the clinical team.")
    return person


def require_note_author(actor: Actor, note: SessionNote) -> User:
    """The person acting, if they wrote the note (else NotAllowed): only its author signs it."""
    person = require_may_write_notes(actor)
    if note.author_id != person.pk:
        raise NotAllowed(f"Only the note's author, {note.author.display_name}, may sign it.")
    return person


def may_document(person: User, session: Any, client: ClientProfile) -> bool:
    """A facilitator of the session, or a clinician of the client's care team."""
    if person.pk in facilitator_ids(session):
        return True
    return CareTeamMember.objects.filter(client=client, clinician=person).exists()


def is_program_supervisor(person: User, program_id: int) -> bool:
    return person.role == Role.SUPERVISOR and program_id in set(supervised_program_ids(person))


def addendum_route(note: SessionNote) -> str:
    return reverse("records_api:session-note-addendum", args=[note.pk])


def locked_conflict(note: SessionNote) -> Conflict:
    return Conflict(
        "This note is signed and locked: it is never edited. Add an addendum instead "
        f"(POST {addendum_route(note)}, or 'Add an addendum' on the note's page)."
    )


# -- validation -------------------------------------------------------------------------------


def _sections(
    note_format: str, given: Mapping[str, Any], errors: dict[str, list[str]]
) -> dict[str, str]:
    allowed = SECTIONS[note_format]
    found: dict[str, str] = {}
    for name, value in given.items():
        if name not in ALL_SECTIONS:
            errors[name] = ["Not a section of a session note."]
        elif name not in allowed:
            errors[name] = [f"Not a section of a {note_format.upper()} note."]
        elif not isinstance(value, str):
            errors[name] = ["Write this section as text."]
        elif len(value.strip()) > SECTION_MAX:
            errors[name] = [f"Keep each section under {SECTION_MAX} characters."]
        else:
            found[name] = value.strip()
    return found


def _objectives(
    client: ClientProfile, ids: Iterable[Any] | None, errors: dict[str, list[str]]
) -> list[PlanObjective] | None:
    """The client's own plan objectives by id (None: leave them as they are)."""
    if ids is None:
        return None
    wanted = list(ids)
    if any(not isinstance(i, int) or isinstance(i, bool) for i in wanted):
        errors["objectives"] = ["Give objective ids as whole numbers."]
        return None
    found = list(PlanObjective.objects.filter(pk__in=wanted, goal__plan__client=client))
    missing = sorted(set(wanted) - {o.pk for o in found})
    if missing:
        errors["objectives"] = [
            f"No objective {missing[0]} in this client's treatment plans is visible to you."
        ]
    return found


# -- writes -----------------------------------------------------------------------------------


def note_draft_create(
    *,
    actor: Actor,
    client: ClientProfile,
    session_id: int,
    sections: Mapping[str, Any] | None = None,
    objectives: Iterable[Any] | None = None,
) -> SessionNote:
    """A facilitator or care-team clinician starts the note of a client who attended; its
    attendance and minutes are copied from the attendance record."""
    person = require_may_write_notes(actor)
    attendance = attendance_of_client_at(client, session_id)
    if attendance is None:
        raise DomainError(
            "This client has no attendance at that session.",
            fields={"session": ["No attendance of this client at that session."]},
        )
    session = attendance.session
    if not may_document(person, session, client):
        raise NotAllowed("Only a facilitator of the session or the client's care team writes it.")
    if attendance.status not in ATTENDED_STATUSES:
        label = attendance.get_status_display().lower()
        raise DomainError(
            "A note is written for a client who attended.",
            fields={"client": [f"{client.user.display_name} did not attend ({label})."]},
        )
    note_format = record_settings_for(session.program_id).note_format
    errors: dict[str, list[str]] = {}
    text = _sections(note_format, sections or {}, errors)
    chosen = _objectives(client, objectives, errors)
    if errors:
        raise DomainError("Check the note.", fields=errors)
    with transaction.atomic():
        if SessionNote.objects.filter(session=session, client=client).exists():
            raise Conflict("This client's note for this session exists already: open it.")
        now = timezone.now()
        note = SessionNote.objects.create(
            session=session,
            client=client,
            author=person,
            note_format=note_format,
            attendance_status=attendance.status,
            minutes_attended=attendance.minutes_attended,
            created_at=now,
            updated_at=now,
            **text,
        )
        if chosen:
            note.objectives.set(chosen)
        access_record(actor=person, action=Action.CREATE, client=client, obj=note)
    return note


def note_draft_update(
    *,
    actor: Actor,
    note: SessionNote,
    sections: Mapping[str, Any] | None = None,
    objectives: Iterable[Any] | None = None,
) -> SessionNote:
    """The author changes their draft; a signed note is locked (409 naming the addendum)."""
    person = require_may_write_notes(actor)
    with transaction.atomic():
        locked = SessionNote.objects.select_for_update().get(pk=note.pk)
        if locked.is_signed:
            raise locked_conflict(locked)
        if locked.author_id != person.pk:
            raise NotAllowed("Only the note's author edits its draft.")
        errors: dict[str, list[str]] = {}
        text = _sections(locked.note_format, sections or {}, errors)
        chosen = _objectives(note.client, objectives, errors)
        if errors:
            raise DomainError("Check the note.", fields=errors)
        for name, value in text.items():
            setattr(locked, name, value)
        locked.updated_at = timezone.now()
        locked.save()
        if chosen is not None:
            locked.objectives.set(chosen)
        access_record(actor=person, action=Action.UPDATE, client=note.client, obj=locked)
    return locked


def note_sign(*, actor: Actor, note: SessionNote, typed_name: Any) -> SessionNote:
    """Only the author signs, with their typed name; every section written; then it is locked."""
    person = require_note_author(actor, note)
    with transaction.atomic():
        locked = SessionNote.objects.select_for_update().get(pk=note.pk)
        if locked.is_signed:
            raise Conflict("This note is signed already.")
        errors = {
            name: [f"Write the {name} before signing."]
            for name, text in locked.sections
            if not text.strip()
        }
        if not names_match(typed_name, person):
            errors["typed_name"] = [f"Type your full name ({person.full_name}) to sign."]
        if errors:
            raise DomainError("The note cannot be signed yet.", fields=errors)
        locked.signed_by = person
        locked.signed_name = " ".join(typed_name.split())
        locked.signed_at = timezone.now()
        locked.needs_cosign = NoteCosignRequirement.objects.filter(clinician=person).exists()
        locked.save()
        access_record(
            actor=person, action=Action.UPDATE, client=note.client, obj=locked, detail="signed"
        )
    return locked
