"""Building treatment plans in tests through the services (never by writing rows)."""

from __future__ import annotations

from datetime import date

from iop.accounts.models import ClientProfile, User
from records.models import TreatmentPlan
from records.plan_content import GoalInput, InterventionInput, ObjectiveInput, PlanContent
from records.services import (
    treatment_plan_draft,
    treatment_plan_edit,
    treatment_plan_share,
    treatment_plan_sign,
)


def content(clinician: User, *, goal: str = "Feel less anxious", when=date(2027, 1, 31)):
    return PlanContent(
        presenting_problems="Panic attacks at work.",
        client_words="I want to get through a workday.",
        goals=(
            GoalInput(
                goal,
                (
                    ObjectiveInput("Use breathing skill daily", when),
                    ObjectiveInput("Attend 9 hours a week", when),
                ),
            ),
        ),
        interventions=(InterventionInput("Group CBT", "3x weekly", clinician.pk),),
    )


def shared_draft(client: ClientProfile, clinician: User, **kwargs) -> TreatmentPlan:
    draft = treatment_plan_draft(actor=clinician, client=client)
    treatment_plan_edit(actor=clinician, plan=draft, content=content(clinician, **kwargs))
    return treatment_plan_share(actor=clinician, plan=draft)


def signed_plan(client: ClientProfile, clinician: User, **kwargs) -> TreatmentPlan:
    draft = shared_draft(client, clinician, **kwargs)
    treatment_plan_sign(actor=client.user, plan=draft, typed_name=client.user.full_name)
    return treatment_plan_sign(actor=clinician, plan=draft, typed_name=clinician.full_name)
