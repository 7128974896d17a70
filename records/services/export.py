"""Exporting a client's record as one PDF for a records request, audited as an export."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from iop.accounts.models import CLINICAL_ROLES, ClientProfile
from iop.accounts.selectors import clients_visible_to
from iop.audit.models import Action
from iop.audit.services import access_record
from iop.domain import NotAllowed, NotFound
from iop.viewer import Actor, Viewer, api_key_of, person_of
from records.export.gather import (
    client_header_for_export,
    signed_notes_for_export,
    signed_plans_for_export,
)
from records.export.pdf import render_record_pdf
from records.export.types import ExportedNote, RecordExport

_SAFE = re.compile(r"[^A-Za-z0-9_-]+")  # what a download's file name keeps of a record number


@dataclass(frozen=True)
class RecordExportFile:
    filename: str
    content: bytes
    plan_versions: tuple[int, ...]
    note_count: int


def require_may_export(actor: Actor) -> Viewer:
    """Records requests are released by clinical staff and administrators, or through an API key.

    Clients are refused before any lookup (their copy is released to them by the clinic),
    as are support agents, who see no clinical records.
    """
    key = api_key_of(actor)
    if key is not None:
        return key
    person = person_of(actor)
    if person is None or person.role not in CLINICAL_ROLES:
        raise NotAllowed("Clinical records are exported by the client's clinicians.")
    return person


def only_this_clients_notes(client: ClientProfile, notes: list[ExportedNote]) -> list[ExportedNote]:
    """The notes about this client: a note about anyone else never reaches their export."""
    return [note for note in notes if note.client_id == client.pk]


def _exported_by(actor: Actor) -> str:
    key = api_key_of(actor)
    if key is not None:
        return f"API key “{key.name}”"
    person = person_of(actor)
    return person.full_name if person is not None else "Harbor"


def record_export(*, actor: Actor, client: ClientProfile) -> RecordExportFile:
    """A PDF of the client's signed plan versions and signed individual notes; one EXPORT row.

    The client's care team, their program's supervisors, administrators and the program's API
    keys may export (clients_visible_to); anyone else is refused and nothing is written.
    """
    viewer = require_may_export(actor)
    if not clients_visible_to(viewer).filter(pk=client.pk).exists():
        raise NotFound("No such client is visible to you.")
    with transaction.atomic():
        plans = signed_plans_for_export(client)
        notes = only_this_clients_notes(client, signed_notes_for_export(client))
        record = RecordExport(
            client=client_header_for_export(client),
            plans=tuple(plans),
            notes=tuple(notes),
            exported_at=timezone.now(),
            exported_by=_exported_by(actor),
        )
        content = render_record_pdf(record)
        versions = tuple(plan.version for plan in plans)
        shown = ", ".join(f"v{v}" for v in versions) or "none"
        access_record(
            actor=actor,
            action=Action.EXPORT,
            client=client,
            object_type="records.ClientRecord",
            object_id=client.pk,
            detail=f"PDF: signed treatment plan versions {shown}; {len(notes)} signed notes",
        )
    return RecordExportFile(
        filename=f"clinical-record-{_SAFE.sub('-', client.record_number)}.pdf",
        content=content,
        plan_versions=versions,
        note_count=len(notes),
    )
