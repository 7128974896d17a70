"""Who may draft, sign and review a plan, and bad input: a specific error, nothing saved."""

from __future__ import annotations

from dataclasses import replace

import pytest

from iop.accounts.models import Role
from iop.domain import Conflict, DomainError, NotAllowed
from records.models import PlanGoal, PlanStatus, TreatmentPlan
from records.plan_content import GoalInput, ObjectiveInput
from records.selectors import treatment_plans_visible_to
from records.services import (
    treatment_plan_draft,
    treatment_plan_edit,
    treatment_plan_share,
    treatment_plan_sign,
)
from tests.factories import StaffFactory
from tests.records.plan_helpers import content, shared_draft, signed_plan

pytestmark = pytest.mark.django_db


def test_a_clinician_outside_the_care_team_is_refused_with_the_reason(
    client_profile, other_clinician
):
    with pytest.raises(NotAllowed) as refused:
        treatment_plan_draft(actor=other_clinician, client=client_profile)
    assert refused.value.status == 403
    assert "not on Casey" in refused.value.message and "care team" in refused.value.message
    assert not TreatmentPlan.objects.exists()


def test_the_programs_supervisor_may_draft_but_not_another_programs(
    client_profile, supervisor, other_supervisor, admin_user
):
    assert treatment_plan_draft(actor=supervisor, client=client_profile).version == 1
    for outsider in (other_supervisor, admin_user):
        with pytest.raises(NotAllowed):
            treatment_plan_draft(actor=outsider, client=client_profile)


def test_a_client_cannot_draft_or_sign_anothers_plan(
    client_profile, other_client_profile, clinician
):
    with pytest.raises(NotAllowed, match="care team drafts"):
        treatment_plan_draft(actor=client_profile.user, client=client_profile)
    draft = shared_draft(client_profile, clinician)
    with pytest.raises(NotAllowed):
        treatment_plan_sign(actor=other_client_profile.user, plan=draft, typed_name="Olive Other")
    draft.refresh_from_db()
    assert draft.client_signed_at is None


def test_the_typed_name_must_match_the_signer(client_profile, clinician):
    draft = shared_draft(client_profile, clinician)
    for who, name in ((client_profile.user, "Casey Somebody"), (clinician, "Casey Client")):
        with pytest.raises(DomainError) as bad:
            treatment_plan_sign(actor=who, plan=draft, typed_name=name)
        assert "typed_name" in bad.value.fields
    draft.refresh_from_db()
    assert draft.client_signed_at is None and draft.clinician_signed_at is None


def test_a_client_signs_only_a_shared_version_and_only_once(client_profile, clinician):
    draft = treatment_plan_draft(actor=clinician, client=client_profile)
    treatment_plan_edit(actor=clinician, plan=draft, content=content(clinician))
    with pytest.raises(Conflict, match="not been shared"):
        treatment_plan_sign(actor=client_profile.user, plan=draft, typed_name="Casey Client")
    treatment_plan_share(actor=clinician, plan=draft)
    treatment_plan_sign(actor=client_profile.user, plan=draft, typed_name="Casey Client")
    with pytest.raises(Conflict, match="already signed"):
        treatment_plan_sign(actor=client_profile.user, plan=draft, typed_name="Casey Client")


def test_an_incomplete_plan_cannot_be_shared_or_signed(client_profile, clinician):
    draft = treatment_plan_draft(actor=clinician, client=client_profile)
    with pytest.raises(DomainError) as bad:
        treatment_plan_share(actor=clinician, plan=draft)
    assert {"presenting_problems", "goals"} <= set(bad.value.fields)
    with pytest.raises(DomainError):
        treatment_plan_sign(actor=clinician, plan=draft, typed_name=clinician.full_name)
    draft.refresh_from_db()
    assert draft.status == PlanStatus.DRAFT and draft.clinician_signed_at is None


def test_an_objective_without_a_target_date_is_a_field_error_and_nothing_is_saved(
    client_profile, clinician
):
    draft = treatment_plan_draft(actor=clinician, client=client_profile)
    treatment_plan_edit(actor=clinician, plan=draft, content=content(clinician, goal="Kept"))
    bad = replace(
        content(clinician, goal="Replaced"),
        goals=(
            GoalInput("Replaced", (ObjectiveInput("Dated", None),)),
            GoalInput("Second", (ObjectiveInput("", None),)),
        ),
    )
    with pytest.raises(DomainError) as refused:
        treatment_plan_edit(actor=clinician, plan=draft, content=bad)
    fields = refused.value.fields
    assert "target date" in fields["goals.0.objectives.0.target_date"][0]
    assert "goals.1.objectives.0.text" in fields
    assert list(PlanGoal.objects.filter(plan=draft).values_list("text", flat=True)) == ["Kept"]


def test_bad_values_name_their_fields(client_profile, clinician, other_supervisor):
    draft = treatment_plan_draft(actor=clinician, client=client_profile)
    bad = replace(
        content(clinician),
        level_of_care="inpatient",
        presenting_problems="x" * 5000,
        interventions=(
            replace(
                content(clinician).interventions[0], responsible_clinician_id=other_supervisor.pk
            ),
        ),
    )
    with pytest.raises(DomainError) as refused:
        treatment_plan_edit(actor=clinician, plan=draft, content=bad)
    assert {
        "level_of_care",
        "presenting_problems",
        "interventions.0.responsible_clinician",
    } <= set(refused.value.fields)


def test_who_sees_which_versions(
    client_profile, other_client_profile, clinician, other_clinician, supervisor, support_agent
):
    signed = signed_plan(client_profile, clinician)
    draft = treatment_plan_draft(actor=clinician, client=client_profile)
    visible = lambda viewer: set(treatment_plans_visible_to(viewer))  # noqa: E731
    assert visible(clinician) == {signed, draft} == visible(supervisor)
    # The client sees the signed version, not the draft still being written ...
    assert visible(client_profile.user) == {signed}
    # ... until it is shared with them.
    treatment_plan_edit(actor=clinician, plan=draft, content=content(clinician))
    treatment_plan_share(actor=clinician, plan=draft)
    assert visible(client_profile.user) == {signed, draft}
    assert visible(other_client_profile.user) == set()
    assert visible(other_clinician) == set()
    assert visible(support_agent) == set()


def test_a_care_team_member_who_is_not_primary_may_draft(client_profile, program):
    from tests.factories import CareTeamFactory

    colleague = StaffFactory(
        email="colleague@example.org", role=Role.CLINICIAN, profile__program=program
    )
    CareTeamFactory(client=client_profile, clinician=colleague, is_primary=False)
    assert treatment_plan_draft(actor=colleague, client=client_profile).created_by == colleague
