"""The demo clinic's treatment plans (part of `manage.py seed_demo`). Safe to run again.

client2 has a signed plan; client1 has a signed version 1 and a version 2 their primary
clinician (clinician1) shared with them to review, so the walkthrough "clinician1 updates a
treatment plan the client then signs" works in `make run`.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from iop.accounts.demo import DemoClinic
from iop.accounts.models import ClientProfile, User
from records.models import TreatmentPlan
from records.plan_content import GoalInput, InterventionInput, ObjectiveInput, PlanContent
from records.services import (
    treatment_plan_draft,
    treatment_plan_edit,
    treatment_plan_share,
    treatment_plan_sign,
)


def _content(clinician: User, *, weeks: int, extra: bool = False) -> PlanContent:
    today = timezone.localdate()
    objectives = [
        ObjectiveInput(
            "Use one coping skill from group when anxiety rises, 4 days a week",
            today + timedelta(weeks=weeks),
        ),
        ObjectiveInput(
            "Attend at least 9 hours of programming each week", today + timedelta(weeks=6)
        ),
    ]
    if extra:
        objectives.append(
            ObjectiveInput("Bring back PHQ-9 below 10 (mild)", today + timedelta(weeks=8))
        )
    return PlanContent(
        presenting_problems="Low mood and worry most days since a job loss; sleep is broken "
        "and contact with friends has dropped off.",
        client_words="I want to feel like myself again and get back to seeing my friends.",
        goals=(
            GoalInput("Reduce depressive and anxious symptoms", tuple(objectives)),
            GoalInput(
                "Rebuild daily routine and connection",
                (
                    ObjectiveInput(
                        "Plan one social contact a week and do it",
                        today + timedelta(weeks=4),
                    ),
                ),
            ),
        ),
        interventions=(
            InterventionInput("Group CBT", "3 times a week, 3 hours", clinician.pk),
            InterventionInput("Individual therapy", "Weekly, 50 minutes", clinician.pk),
        ),
        change_note="Added a measurable mood objective after the review." if extra else "",
    )


def _signed_plan(client: ClientProfile, clinician: User) -> None:
    draft = treatment_plan_draft(actor=clinician, client=client)
    treatment_plan_edit(actor=clinician, plan=draft, content=_content(clinician, weeks=4))
    treatment_plan_share(actor=clinician, plan=draft)
    treatment_plan_sign(actor=client.user, plan=draft, typed_name=client.user.full_name)
    treatment_plan_sign(actor=clinician, plan=draft, typed_name=clinician.full_name)


def seed_plans(clinic: DemoClinic) -> None:
    if len(clinic.clients) < 2:
        return
    first, second = clinic.clients[0], clinic.clients[1]
    if TreatmentPlan.objects.filter(client__in=[first, second]).exists():
        return
    for client in (second, first):
        clinician = clinic.primary.get(client.pk)
        if clinician is not None:
            _signed_plan(client, clinician)
    clinician = clinic.primary.get(first.pk)
    if clinician is not None:
        update = treatment_plan_draft(actor=clinician, client=first)
        treatment_plan_edit(
            actor=clinician, plan=update, content=_content(clinician, weeks=6, extra=True)
        )
        treatment_plan_share(actor=clinician, plan=update)
