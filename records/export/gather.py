"""Reading one client's signed record into the export's types.

The caller (records.services.export.record_export) has already decided the viewer may export
this client; these functions read only this client's rows and only what is signed.
"""

from __future__ import annotations

from django.db.models import Prefetch

from iop.accounts.models import ClientProfile
from records.export.types import (
    Addendum,
    ClientHeader,
    ExportedGoal,
    ExportedIntervention,
    ExportedNote,
    ExportedObjective,
    ExportedPlan,
    NoteSection,
    Signature,
)
from records.models import (
    LevelOfCare,
    NoteAddendum,
    ObjectiveStatus,
    PlanGoal,
    PlanIntervention,
    PlanStatus,
    SessionNote,
    TreatmentPlan,
)


def client_header_for_export(client: ClientProfile) -> ClientHeader:
    return ClientHeader(
        client_id=client.pk,
        full_name=client.user.full_name,
        record_number=client.record_number,
        program=client.program.name,
        time_zone=client.program.time_zone,
        date_of_birth=client.date_of_birth,
        admitted_on=client.admitted_on,
        discharged_on=client.discharged_on,
    )


def _plan_signatures(plan: TreatmentPlan) -> tuple[Signature, ...]:
    assert plan.clinician_signed_at is not None and plan.client_signed_at is not None
    return (
        Signature("Clinician", plan.clinician_signed_name, plan.clinician_signed_at),
        Signature("Client", plan.client_signed_name, plan.client_signed_at),
    )


def _exported_plan(plan: TreatmentPlan) -> ExportedPlan:
    return ExportedPlan(
        version=plan.version,
        is_current=plan.status == PlanStatus.SIGNED,
        level_of_care=LevelOfCare(plan.level_of_care).label,
        presenting_problems=plan.presenting_problems,
        client_words=plan.client_words,
        change_note=plan.change_note,
        goals=tuple(
            ExportedGoal(
                text=goal.text,
                objectives=tuple(
                    ExportedObjective(
                        text=objective.text,
                        target_date=objective.target_date,
                        status=ObjectiveStatus(objective.status).label,
                    )
                    for objective in goal.objectives.all()
                ),
            )
            for goal in plan.goals.all()
        ),
        interventions=tuple(
            ExportedIntervention(
                modality=item.modality,
                frequency=item.frequency,
                responsible=item.responsible_clinician.full_name,
                description=item.description,
            )
            for item in plan.interventions.all()
        ),
        signatures=_plan_signatures(plan),
    )


def signed_plans_for_export(client: ClientProfile) -> list[ExportedPlan]:
    """Every version of the client's plan that both signed (current and superseded), oldest first.

    Drafts, versions with the client, and superseded versions never signed are not part of the
    record."""
    plans = (
        TreatmentPlan.objects.filter(
            client=client,
            status__in=[PlanStatus.SIGNED, PlanStatus.SUPERSEDED],
            clinician_signed_at__isnull=False,
            client_signed_at__isnull=False,
        )
        .order_by("version")
        .prefetch_related(
            Prefetch(
                "goals",
                queryset=PlanGoal.objects.order_by("position").prefetch_related("objectives"),
            ),
            Prefetch(
                "interventions",
                queryset=PlanIntervention.objects.order_by("position").select_related(
                    "responsible_clinician"
                ),
            ),
        )
    )
    return [_exported_plan(plan) for plan in plans]


def signed_notes_for_export(client: ClientProfile) -> list[ExportedNote]:
    """The client's signed individual session notes, oldest session first, with their addenda.

    Never a group session's shared summary (it names other clients): only the short individual
    note each client has.
    """
    notes = (
        SessionNote.objects.filter(client=client, signed_at__isnull=False)
        .select_related("session")
        .prefetch_related(
            "objectives",
            Prefetch(
                "addenda",
                queryset=NoteAddendum.objects.select_related("author").order_by("written_at", "id"),
            ),
        )
        .order_by("session__starts_at", "id")
    )
    return [_exported_note(note) for note in notes]


def _exported_note(note: SessionNote) -> ExportedNote:
    assert note.signed_at is not None
    signatures = [Signature("Clinician", note.signed_name, note.signed_at)]
    if note.cosigned_at is not None:
        signatures.append(Signature("Co-signing supervisor", note.cosigned_name, note.cosigned_at))
    return ExportedNote(
        client_id=note.client_id,
        session=note.session.title,
        session_starts_at=note.session.starts_at,
        note_format=note.note_format.upper(),
        attendance=f"{note.attendance_label}, {note.minutes_attended} minutes",
        sections=tuple(NoteSection(name.capitalize(), text) for name, text in note.sections),
        signatures=tuple(signatures),
        objectives_addressed=tuple(o.text for o in note.objectives.all()),
        addenda=tuple(
            Addendum(a.author.display_name, a.written_at, a.reason, a.text)
            for a in note.addenda.all()
        ),
    )
