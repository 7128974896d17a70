"""Treatment plans are versioned: a new draft copies the signed one; both signatures lock a
version and supersede the previous one; a locked version refuses every write (409)."""

from __future__ import annotations

from datetime import date

import pytest

from iop.audit.models import AccessLog, Action
from iop.domain import Conflict
from records.models import PlanStatus, TreatmentPlan
from records.services import (
    treatment_plan_comment,
    treatment_plan_draft,
    treatment_plan_edit,
    treatment_plan_share,
    treatment_plan_sign,
)
from tests.records.plan_helpers import content, shared_draft, signed_plan

pytestmark = pytest.mark.django_db


def test_both_signatures_lock_the_version_and_record_who_and_when(client_profile, clinician):
    draft = shared_draft(client_profile, clinician)
    assert draft.status == PlanStatus.WITH_CLIENT
    half = treatment_plan_sign(
        actor=client_profile.user, plan=draft, typed_name="  casey   CLIENT "
    )
    assert half.status == PlanStatus.WITH_CLIENT and half.client_signed_by == client_profile.user
    assert half.client_signed_at is not None and half.client_signed_name == "casey   CLIENT"
    done = treatment_plan_sign(actor=clinician, plan=draft, typed_name=clinician.full_name)
    assert done.status == PlanStatus.SIGNED and done.is_locked
    assert done.clinician_signed_by == clinician and done.clinician_signed_at is not None


def test_a_new_version_copies_the_signed_one_and_supersedes_it_when_signed(
    client_profile, clinician
):
    first = signed_plan(client_profile, clinician, goal="Sleep through the night")
    second = treatment_plan_draft(actor=clinician, client=client_profile)
    assert second.version == 2 and second.status == PlanStatus.DRAFT
    assert [g.text for g in second.goals.all()] == ["Sleep through the night"]
    assert second.goals.get().objectives.count() == 2
    assert second.interventions.get().modality == "Group CBT"
    assert second.presenting_problems == first.presenting_problems
    treatment_plan_share(actor=clinician, plan=second)
    treatment_plan_sign(actor=client_profile.user, plan=second, typed_name="Casey Client")
    treatment_plan_sign(actor=clinician, plan=second, typed_name=clinician.full_name)
    first.refresh_from_db()
    assert first.status == PlanStatus.SUPERSEDED
    assert TreatmentPlan.objects.get(pk=second.pk).status == PlanStatus.SIGNED
    # The old version's text is untouched.
    assert first.goals.get().text == "Sleep through the night"


def test_only_one_open_draft(client_profile, clinician):
    treatment_plan_draft(actor=clinician, client=client_profile)
    with pytest.raises(Conflict, match="already being drafted"):
        treatment_plan_draft(actor=clinician, client=client_profile)
    assert TreatmentPlan.objects.filter(client=client_profile).count() == 1


@pytest.mark.parametrize("write", ["edit", "share", "sign", "comment"])
def test_every_write_to_a_locked_version_is_refused(client_profile, clinician, write):
    plan = signed_plan(client_profile, clinician)
    before = (plan.presenting_problems, plan.status, plan.goals.get().text)
    calls = {
        "edit": lambda: treatment_plan_edit(
            actor=clinician, plan=plan, content=content(clinician, goal="Changed")
        ),
        "share": lambda: treatment_plan_share(actor=clinician, plan=plan),
        "sign": lambda: treatment_plan_sign(
            actor=clinician, plan=plan, typed_name=clinician.full_name
        ),
        "comment": lambda: treatment_plan_comment(
            actor=client_profile.user, plan=plan, comment="Please change it"
        ),
    }
    with pytest.raises(Conflict) as refused:
        calls[write]()
    assert refused.value.status == 409 and "locked" in refused.value.message
    plan.refresh_from_db()
    assert (plan.presenting_problems, plan.status, plan.goals.get().text) == before


def test_editing_a_shared_draft_takes_it_back_and_clears_signatures(client_profile, clinician):
    draft = shared_draft(client_profile, clinician)
    treatment_plan_sign(actor=client_profile.user, plan=draft, typed_name="Casey Client")
    edited = treatment_plan_edit(
        actor=clinician, plan=draft, content=content(clinician, when=date(2027, 2, 1))
    )
    assert edited.status == PlanStatus.DRAFT
    assert edited.client_signed_at is None and edited.client_signed_by is None


def test_the_client_comments_and_the_draft_goes_back_to_the_clinician(client_profile, clinician):
    draft = shared_draft(client_profile, clinician)
    back = treatment_plan_comment(
        actor=client_profile.user, plan=draft, comment="Can we add my sleep?"
    )
    assert back.status == PlanStatus.DRAFT and back.client_comment == "Can we add my sleep?"
    with pytest.raises(Conflict, match="not been shared"):
        treatment_plan_sign(actor=client_profile.user, plan=draft, typed_name="Casey Client")


def test_plan_text_is_encrypted_at_rest(client_profile, clinician):
    from django.db import connection

    plan = signed_plan(client_profile, clinician, goal="Secret goal words")
    with connection.cursor() as cursor:
        cursor.execute(
            "select presenting_problems from records_treatmentplan where id = %s", [plan.pk]
        )
        raw = cursor.fetchone()[0]
        cursor.execute("select text from records_plangoal where plan_id = %s", [plan.pk])
        goal_raw = cursor.fetchone()[0]
    assert "Panic" not in raw and "Secret goal" not in goal_raw


def test_every_write_is_audited(client_profile, clinician):
    plan = signed_plan(client_profile, clinician)
    rows = AccessLog.objects.filter(object_type="records.TreatmentPlan", object_id=str(plan.pk))
    details = list(rows.order_by("pk").values_list("action", "detail"))
    assert details[0] == (Action.CREATE, "draft v1")
    assert (Action.UPDATE, "shared") in details
    assert (Action.UPDATE, "signed v1 as client") in details
    assert (Action.UPDATE, "signed v1 as clinician; locked") in details
    assert rows.filter(actor=client_profile.user).exists()
