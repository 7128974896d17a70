"""Reads of treatment plans, always for a viewer; reads of plan text write an audit row.

A client sees their own signed versions and the draft their care team shared with them (never
one still being written); staff see the plans of the clients they may see (caseload, program);
an API key its program's; support agents none.
"""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from iop.accounts.models import CareTeamMember, ClientProfile, Role, User
from iop.accounts.selectors import clients_visible_to
from iop.audit.models import Action
from iop.audit.services import access_record
from iop.viewer import Viewer, person_of
from records.models import (
    ObjectiveReview,
    PlanGoal,
    PlanIntervention,
    PlanObjective,
    PlanStatus,
    TreatmentPlan,
)

CLIENT_SEES = (PlanStatus.WITH_CLIENT, PlanStatus.SIGNED, PlanStatus.SUPERSEDED)


def may_write_plan(viewer: Viewer | None, client: ClientProfile) -> bool:
    """The client's care team, or a supervisor of the client's program, drafts and reviews."""
    person = person_of(viewer)
    if person is None or not person.is_active:
        return False
    if CareTeamMember.objects.filter(client=client, clinician=person).exists():
        return True
    profile = getattr(person, "staff_profile", None)
    return person.role == Role.SUPERVISOR and getattr(profile, "program_id", None) == (
        client.program_id
    )


def plan_clinicians_for(client: ClientProfile) -> list[User]:
    """Who may be named responsible for an intervention: the care team and the program's
    clinicians and supervisors."""
    return list(
        User.objects.filter(is_active=True)
        .filter(
            Q(care_teams__client=client)
            | Q(
                staff_profile__program_id=client.program_id,
                role__in=(Role.CLINICIAN, Role.SUPERVISOR),
            )
        )
        .distinct()
        .order_by("full_name", "pk")
    )


def with_content(rows: QuerySet[TreatmentPlan]) -> QuerySet[TreatmentPlan]:
    """Plans with their goals, objectives and interventions in two more queries each."""
    return rows.select_related(
        "client__user", "clinician_signed_by", "client_signed_by", "created_by"
    ).prefetch_related(
        Prefetch("goals", PlanGoal.objects.order_by("position")),
        Prefetch("goals__objectives", PlanObjective.objects.order_by("position")),
        Prefetch(
            "interventions",
            PlanIntervention.objects.select_related("responsible_clinician").order_by("position"),
        ),
    )


def treatment_plans_visible_to(viewer: Viewer) -> QuerySet[TreatmentPlan]:
    rows = TreatmentPlan.objects.filter(client__in=clients_visible_to(viewer).values("pk"))
    person = person_of(viewer)
    if person is not None and person.role == Role.CLIENT:
        rows = rows.filter(status__in=CLIENT_SEES)
    return rows


def treatment_plan_get_for(viewer: Viewer, plan_id: int, *, audit: bool = True) -> TreatmentPlan:
    """One version the viewer may see (else TreatmentPlan.DoesNotExist)."""
    plan = with_content(treatment_plans_visible_to(viewer)).get(pk=plan_id)
    if audit:
        access_record(actor=viewer, action=Action.VIEW, client=plan.client, obj=plan)
    return plan


def treatment_plan_current_for(viewer: Viewer, client: ClientProfile) -> TreatmentPlan | None:
    """The client's signed (current) version; `client` comes from a scoped selector."""
    plan = (
        with_content(treatment_plans_visible_to(viewer))
        .filter(client=client, status=PlanStatus.SIGNED)
        .first()
    )
    if plan is not None:
        access_record(actor=viewer, action=Action.VIEW, client=client, obj=plan)
    return plan


def treatment_plan_open_for(viewer: Viewer, client: ClientProfile) -> TreatmentPlan | None:
    """The version being drafted (staff) or shared with the client (the client), if any."""
    plan = (
        with_content(treatment_plans_visible_to(viewer))
        .filter(client=client, status__in=(PlanStatus.DRAFT, PlanStatus.WITH_CLIENT))
        .first()
    )
    if plan is not None:
        access_record(actor=viewer, action=Action.VIEW, client=client, obj=plan)
    return plan


def treatment_plan_versions_for(viewer: Viewer, client: ClientProfile) -> list[TreatmentPlan]:
    """Every version the viewer may see, newest first (numbers and signatures, no text)."""
    return list(
        treatment_plans_visible_to(viewer)
        .filter(client=client)
        .select_related("clinician_signed_by")
        .order_by("-version")
    )


def objective_marks_of(plan: TreatmentPlan) -> dict[int, ObjectiveReview]:
    """Each objective's latest review mark (who, when, what), by objective id."""
    rows = (
        ObjectiveReview.objects.filter(objective__goal__plan=plan)
        .select_related("reviewed_by")
        .order_by("objective_id", "-reviewed_at", "-pk")
        .distinct("objective_id")
    )
    return {row.objective_id: row for row in rows}
