"""Session notes: every read, given the viewer.

Who sees which notes:
  client       their own signed individual notes, when their program lets clients read them;
               never a draft, never a group summary, never another client's note
  clinician    notes of their caseload's clients and of the sessions they facilitate
  supervisor   their program's; admin all; an API key its program's; support agents none
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, Q, QuerySet

from iop.accounts.models import ClientProfile, Role
from iop.accounts.selectors import clients_visible_to
from iop.audit.models import Action
from iop.audit.services import access_record, access_record_list
from iop.viewer import Viewer, api_key_of, person_of
from records.models import GroupSummary, NoteAddendum, SessionNote
from sessions_app.selectors import (
    attendance_visible_to,
    sessions_visible_to,
    supervised_program_ids,
)

# Unsigned notes of sessions that ended longer ago than this are overdue.
SIGN_WITHIN = timedelta(hours=72)


def _clients_may_read_q() -> Q:
    """Programs that let clients read their signed notes (no settings row: the default, yes)."""
    return Q(client__program__record_settings__isnull=True) | Q(
        client__program__record_settings__clients_see_signed_notes=True
    )


def notes_visible_to(viewer: Viewer) -> QuerySet[SessionNote]:
    base = SessionNote.objects.select_related(
        "client__user", "client__program", "session", "author", "signed_by", "cosigned_by"
    )
    key = api_key_of(viewer)
    if key is not None:
        return base.filter(client__program_id=key.program_id)
    person = person_of(viewer)
    if person is None or not person.is_active:
        return base.none()
    if person.role == Role.CLIENT:
        return base.filter(client__user=person, signed_at__isnull=False).filter(
            _clients_may_read_q()
        )
    if not person.is_clinical:
        return base.none()
    return base.filter(
        Q(client__in=clients_visible_to(viewer).values("pk"))
        | Q(session__in=sessions_visible_to(viewer).values("pk"))
    )


def with_objective_ids(rows: QuerySet[SessionNote]) -> QuerySet[SessionNote]:
    """Each note's addressed objectives' ids as `objective_ids`, in the same query."""
    ids = SessionNote.objectives.through.objects.filter(sessionnote_id=OuterRef("pk")).values(
        "planobjective_id"
    )
    return rows.annotate(objective_ids=ArraySubquery(ids))


def note_get_for(viewer: Viewer, note_id: int, *, audit: bool = True) -> SessionNote:
    """One note the viewer may see (else SessionNote.DoesNotExist); the read is audited."""
    note = notes_visible_to(viewer).get(pk=note_id)
    if audit:
        access_record(actor=viewer, action=Action.VIEW, client=note.client, obj=note)
    return note


def note_list_audit(viewer: Viewer, notes: list[SessionNote]) -> None:
    access_record_list(
        actor=viewer, clients=[n.client for n in notes], object_type="records.SessionNote"
    )


def notes_of_client_for(viewer: Viewer, client: ClientProfile) -> list[SessionNote]:
    """A client's notes the viewer may see, newest first (audited)."""
    rows = list(notes_visible_to(viewer).filter(client=client).order_by("-created_at", "-id"))
    note_list_audit(viewer, rows)
    return rows


def notes_of_session_for(viewer: Viewer, session: Any) -> dict[int, SessionNote]:
    """The notes of a session (already scoped) by client id (audited)."""
    rows = list(notes_visible_to(viewer).filter(session=session))
    note_list_audit(viewer, rows)
    return {n.client_id: n for n in rows}


def addenda_of(note: SessionNote) -> list[NoteAddendum]:
    """A note's addenda, oldest first; `note` comes from a scoped selector (audited there)."""
    return list(note.addenda.select_related("author").order_by("written_at", "id"))


def objectives_of(note: SessionNote) -> list[int]:
    return list(note.objectives.values_list("pk", flat=True))


def group_summary_for(viewer: Viewer, session: Any) -> GroupSummary | None:
    """The session's group summary, for clinical staff who may see the session; never for a
    client or an API key (it names everyone in the room). Audited."""
    person = person_of(viewer)
    if person is None or not person.is_clinical:
        return None
    summary = (
        GroupSummary.objects.select_related("author", "signed_by")
        .filter(session__in=sessions_visible_to(viewer).values("pk"), session=session)
        .first()
    )
    if summary is not None:
        access_record(actor=viewer, action=Action.VIEW, client=None, obj=summary)
    return summary


def notes_unsigned_overdue(viewer: Viewer, *, now: datetime) -> QuerySet[SessionNote]:
    """Drafts of sessions that ended more than 72 hours ago: a clinician's own, a supervisor's
    program's (an administrator sees every one)."""
    person = person_of(viewer)
    rows = SessionNote.objects.filter(
        signed_at__isnull=True, session__ends_at__lt=now - SIGN_WITHIN
    ).select_related("client__user", "session", "author")
    if person is None or not person.is_clinical:
        return rows.none()
    if person.role == Role.SUPERVISOR:
        return rows.filter(client__program_id__in=supervised_program_ids(person))
    if person.role == Role.CLINICIAN:
        return rows.filter(author=person)
    return rows


def notes_awaiting_cosign(viewer: Viewer) -> QuerySet[SessionNote]:
    """Signed notes waiting for a co-signature from the supervisor's program."""
    person = person_of(viewer)
    rows = SessionNote.objects.filter(
        needs_cosign=True, signed_at__isnull=False, cosigned_at__isnull=True
    ).select_related("client__user", "session", "author")
    if person is None or person.role != Role.SUPERVISOR:
        return rows.none()
    return rows.filter(client__program_id__in=supervised_program_ids(person)).exclude(author=person)


def note_client_for(viewer: Viewer, client_id: int, session_id: int) -> ClientProfile:
    """The client a note is about, if the viewer may see them, or attended a session the viewer
    may see (a group's facilitator documents every member); else ClientProfile.DoesNotExist."""
    if clients_visible_to(viewer).filter(pk=client_id).exists() or (
        attendance_visible_to(viewer).filter(client_id=client_id, session_id=session_id).exists()
    ):
        return ClientProfile.objects.select_related("user", "program").get(pk=client_id)
    raise ClientProfile.DoesNotExist
