"""/api/v1/treatment-plans/: scoped like the pages, reads audited, drafts and signatures by
people only, errors in the API's shape naming the field, a locked version answering 409."""

from __future__ import annotations

import pytest
from django.urls import reverse

from iop.api.models import Scope
from iop.audit.models import AccessLog
from records.models import PlanStatus
from tests.api.conftest import key_client
from tests.conftest import sign_in
from tests.records.plan_helpers import shared_draft, signed_plan

pytestmark = pytest.mark.django_db
LIST = reverse("records_api:treatment-plan-list")


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_lists_are_scoped_and_audited(
    client_profile,
    other_client_profile,
    far_client_profile,
    clinician,
    other_clinician,
    support_agent,
    make_key,
    other_program,
    other_supervisor,
):
    ours = signed_plan(client_profile, clinician)
    theirs = signed_plan(other_client_profile, other_clinician)
    far = signed_plan(far_client_profile, other_supervisor)
    assert _ids(sign_in(clinician).get(LIST)) == {ours.pk}
    assert _ids(sign_in(client_profile.user).get(LIST)) == {ours.pk}
    assert _ids(sign_in(support_agent).get(LIST)) == set()
    key = key_client(make_key()[1])
    before = AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    assert _ids(key.get(LIST)) == {ours.pk, theirs.pk}
    assert set(AccessLog.objects.filter(pk__gt=before).values_list("client_id", flat=True)) == {
        client_profile.pk,
        other_client_profile.pk,
    }
    assert _ids(key.get(LIST, {"client": client_profile.pk})) == {ours.pk}
    assert _ids(key_client(make_key(key_program=other_program)[1]).get(LIST)) == {far.pk}
    no_scope = key_client(make_key(scopes=[Scope.CLIENTS_READ])[1]).get(LIST)
    assert no_scope.status_code == 403


def test_a_version_reads_in_full_and_the_read_is_audited(client_profile, clinician, make_key):
    plan = signed_plan(client_profile, clinician, goal="Go back to work")
    before = AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    body = (
        key_client(make_key()[1])
        .get(reverse("records_api:treatment-plan-detail", args=[plan.pk]))
        .json()
    )
    assert body["goals"][0]["text"] == "Go back to work"
    assert body["goals"][0]["objectives"][0]["target_date"] == "2027-01-31"
    assert body["clinician_signature"]["name"] == clinician.full_name
    assert AccessLog.objects.filter(
        pk__gt=before, object_type="records.TreatmentPlan", object_id=str(plan.pk)
    ).exists()


def test_drafting_and_signing_through_the_api(client_profile, clinician, other_clinician):
    plan = signed_plan(client_profile, clinician)
    browser = sign_in(clinician)
    created = browser.post(LIST, {"client": client_profile.pk}, content_type="application/json")
    assert created.status_code == 201 and created.json()["version"] == 2
    again = browser.post(LIST, {"client": client_profile.pk}, content_type="application/json")
    assert again.status_code == 409 and "already being drafted" in again.json()["error"]["message"]
    outsider = sign_in(other_clinician).post(
        LIST, {"client": client_profile.pk}, content_type="application/json"
    )
    assert outsider.status_code == 400
    assert "client" in outsider.json()["error"]["fields"]  # not visible to them
    locked = browser.post(
        reverse("records_api:treatment-plan-sign", args=[plan.pk]),
        {"typed_name": clinician.full_name},
        content_type="application/json",
    )
    assert locked.status_code == 409 and "locked" in locked.json()["error"]["message"]


def test_the_client_signs_through_the_api_with_their_own_name(client_profile, clinician):
    draft = shared_draft(client_profile, clinician)
    browser = sign_in(client_profile.user)
    url = reverse("records_api:treatment-plan-sign", args=[draft.pk])
    wrong = browser.post(url, {"typed_name": "Someone Else"}, content_type="application/json")
    assert wrong.status_code == 400 and "typed_name" in wrong.json()["error"]["fields"]
    ok = browser.post(url, {"typed_name": "Casey Client"}, content_type="application/json")
    assert ok.status_code == 200
    assert ok.json()["client_signature"]["name"] == "Casey Client"
    assert ok.json()["status"] == PlanStatus.WITH_CLIENT


def test_keys_never_draft_or_sign(client_profile, clinician, make_key):
    draft = shared_draft(client_profile, clinician)
    key = key_client(make_key()[1])
    assert (
        key.post(LIST, {"client": client_profile.pk}, content_type="application/json").status_code
        == 403
    )
    url = reverse("records_api:treatment-plan-sign", args=[draft.pk])
    assert key.post(url, {"typed_name": "x"}, content_type="application/json").status_code == 403
