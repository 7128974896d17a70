"""The plan pages: staff see the plan beside PHQ-9 / GAD-7 trends and edit the draft (an
objective without a target date is an error on its field, nothing saved); the client reads the
shared version and agrees and signs it; the dashboard lists reviews due; reads are audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from crisis.services import check_in_submit
from iop.audit.models import AccessLog, Action
from records.models import PlanGoal, PlanReview, PlanStatus, TreatmentPlan
from records.services import treatment_plan_draft
from tests.conftest import sign_in
from tests.crisis.conftest import gad7, phq9
from tests.records.plan_helpers import shared_draft, signed_plan

pytestmark = pytest.mark.django_db


def test_the_staff_plan_page_shows_goals_beside_the_score_trends(client_profile, clinician):
    for score in (18, 12, 7):
        check_in_submit(
            actor=client_profile.user, client=client_profile, instrument="phq9", answers=phq9(score)
        )
    check_in_submit(
        actor=client_profile.user, client=client_profile, instrument="gad7", answers=gad7(9)
    )
    signed_plan(client_profile, clinician, goal="Feel less anxious")
    before = AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    page = sign_in(clinician).get(reverse("records_staff:plan", args=[client_profile.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Feel less anxious" in html and "Use breathing skill daily" in html
    assert "PHQ-9" in html and "latest 7" in html and "3 check-ins" in html
    assert "GAD-7" in html and "<svg" in html
    read = AccessLog.objects.filter(pk__gt=before, actor=clinician, action=Action.VIEW)
    assert {"records.TreatmentPlan", "crisis.CheckIn"} <= set(
        read.values_list("object_type", flat=True)
    )


def test_the_record_links_to_the_plan_and_the_dashboard_lists_reviews_due(
    client_profile, clinician
):
    with time_machine.travel(timezone.now() - timedelta(days=31), tick=False):
        signed_plan(client_profile, clinician)
    browser = sign_in(clinician)
    record = browser.get(reverse("staff:client", args=[client_profile.pk])).content.decode()
    assert reverse("records_staff:plan", args=[client_profile.pk]) in record
    dashboard = browser.get(reverse("staff:dashboard")).content.decode()
    assert "Treatment plan reviews due" in dashboard and "Casey Client" in dashboard


def test_the_editor_puts_a_missing_target_date_on_its_field_and_saves_nothing(
    client_profile, clinician
):
    draft = treatment_plan_draft(actor=clinician, client=client_profile)
    browser = sign_in(clinician)
    url = reverse("records_staff:plan_edit", args=[draft.pk])
    response = browser.post(
        url,
        {
            "presenting_problems": "Worry",
            "level_of_care": "iop",
            "goals.0.text": "Sleep better",
            "goals.0.objectives.0.text": "7 hours a night",
            "goals.0.objectives.0.target_date": "",
        },
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "target date" in form.errors["goals.0.objectives.0.target_date"][0]
    assert not PlanGoal.objects.filter(plan=draft).exists()
    ok = browser.post(
        url,
        {
            "presenting_problems": "Worry",
            "level_of_care": "iop",
            "goals.0.text": "Sleep better",
            "goals.0.objectives.0.text": "7 hours a night",
            "goals.0.objectives.0.target_date": "2027-03-01",
            "interventions.0.modality": "Group CBT",
            "interventions.0.frequency": "3x weekly",
            "interventions.0.responsible_clinician": str(clinician.pk),
        },
    )
    assert ok.status_code == 302
    goal = PlanGoal.objects.get(plan=draft)
    assert goal.text == "Sleep better" and str(goal.objectives.get().target_date) == "2027-03-01"


def test_the_client_reads_the_shared_version_and_agrees_and_signs(client_profile, clinician):
    draft = shared_draft(client_profile, clinician, goal="Get back to work")
    browser = sign_in(client_profile.user)
    page = browser.get(reverse("records:plan"))
    assert page.status_code == 200 and "Get back to work" in page.content.decode()
    wrong = browser.post(reverse("records:plan_sign", args=[draft.pk]), {"typed_name": "Nobody"})
    assert wrong.status_code == 400 and "typed_name" in wrong.context["sign_form"].errors
    signed = browser.post(
        reverse("records:plan_sign", args=[draft.pk]), {"typed_name": "Casey Client"}
    )
    assert signed.status_code == 302
    draft.refresh_from_db()
    assert draft.client_signed_by == client_profile.user
    sign_in(clinician).post(
        reverse("records_staff:plan_sign", args=[draft.pk]), {"typed_name": clinician.full_name}
    )
    draft.refresh_from_db()
    assert draft.status == PlanStatus.SIGNED
    assert PlanReview.objects.filter(client=client_profile, completed_at__isnull=True).exists()


def test_a_client_never_sees_a_draft_still_being_written_nor_anothers_plan(
    client_profile, other_client_profile, clinician
):
    signed_plan(client_profile, clinician, goal="Visible goal")
    draft = treatment_plan_draft(actor=clinician, client=client_profile)
    PlanGoal.objects.filter(plan=draft).update(text="Unshared goal words")
    own = sign_in(client_profile.user).get(reverse("records:plan")).content.decode()
    assert "Visible goal" in own and "Unshared goal words" not in own
    other = sign_in(other_client_profile.user)
    assert "Visible goal" not in other.get(reverse("records:plan")).content.decode()
    refused = other.post(reverse("records:plan_sign", args=[draft.pk]), {"typed_name": "Olive"})
    assert refused.status_code == 404
    assert TreatmentPlan.objects.get(pk=draft.pk).client_signed_at is None


def test_a_client_comment_goes_back_to_the_clinician(client_profile, clinician):
    draft = shared_draft(client_profile, clinician)
    browser = sign_in(client_profile.user)
    response = browser.post(
        reverse("records:plan_comment", args=[draft.pk]), {"comment": "Add my sleep, please"}
    )
    assert response.status_code == 302
    page = sign_in(clinician).get(reverse("records_staff:plan", args=[client_profile.pk]))
    assert "Add my sleep, please" in page.content.decode()


def test_the_review_form_marks_each_objective(client_profile, clinician):
    plan = signed_plan(client_profile, clinician)
    review = PlanReview.objects.get(client=client_profile)
    first, second = [o for g in plan.goals.all() for o in g.objectives.all()]
    browser = sign_in(clinician)
    url = reverse("records_staff:review", args=[review.pk])
    page = browser.get(url)
    assert page.status_code == 200 and "Use breathing skill daily" in page.content.decode()
    missing = browser.post(url, {f"marks.{first.pk}": "met"})
    assert missing.status_code == 400 and f"marks.{second.pk}" in missing.context["form"].errors
    done = browser.post(
        url, {f"marks.{first.pk}": "met", f"marks.{second.pk}": "not_met", "summary": "Ok"}
    )
    assert done.status_code == 302
    review.refresh_from_db()
    assert review.completed_by == clinician
    shown = browser.get(reverse("records_staff:plan", args=[client_profile.pk])).content.decode()
    assert "Met" in shown and "Not met" in shown
