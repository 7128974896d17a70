"""/api/v1/clients/: scoped like the staff pages, audit-logged, and without N+1 queries."""

from __future__ import annotations

import pytest

from iop.accounts.models import Role
from iop.api.models import Scope
from iop.audit.models import AccessLog, Action
from tests.api.conftest import VISIBILITY, error_of, key_client
from tests.conftest import sign_in
from tests.factories import (
    CareTeamFactory,
    ClientProfileFactory,
    EmergencyContactFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LIST = "/api/v1/clients/"


@pytest.mark.parametrize("persona", sorted(VISIBILITY))
def test_the_list_shows_only_what_the_viewer_may_see(everyone, browser_for, persona):
    response = browser_for(persona).get(LIST)
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert ids == {everyone[name].pk for name in VISIBILITY[persona]}


@pytest.mark.parametrize("persona", sorted(VISIBILITY))
def test_the_detail_is_404_for_anyone_who_may_not_see_the_client(everyone, browser_for, persona):
    browser = browser_for(persona)
    for name, client in everyone.items():
        response = browser.get(f"{LIST}{client.pk}/")
        if name in VISIBILITY[persona]:
            assert response.status_code == 200
            assert response.json()["id"] == client.pk
        else:
            assert response.status_code == 404
            assert error_of(response)["code"] == "not_found"


def test_a_missing_client_is_404(clinician):
    assert sign_in(clinician).get(f"{LIST}999999/").status_code == 404


def test_the_list_has_the_agreed_fields_and_no_emergency_contacts(
    clinician, client_profile, program
):
    EmergencyContactFactory(client=client_profile, priority=1)
    row = sign_in(clinician).get(LIST).json()["results"][0]
    assert row == {
        "id": client_profile.pk,
        "record_number": client_profile.record_number,
        "name": "Casey Client",
        "program": {"id": program.pk, "name": program.name},
        "primary_clinician": {"id": clinician.pk, "name": clinician.display_name},
        "admitted_on": None,
    }


def test_the_detail_adds_the_emergency_contacts_and_audits_reading_them(clinician, client_profile):
    EmergencyContactFactory(client=client_profile, priority=1, name="Sam Sister")
    body = sign_in(clinician).get(f"{LIST}{client_profile.pk}/").json()
    assert body["primary_clinician"]["id"] == clinician.pk
    assert body["emergency_contacts"] == [
        {"priority": 1, "name": "Sam Sister", "relationship": "sister", "phone": "+14155550123"}
    ]
    assert AccessLog.objects.filter(
        actor=clinician, client=client_profile, object_type="accounts.EmergencyContact"
    ).exists()


def test_reading_a_client_writes_an_audit_row(clinician, client_profile):
    before = AccessLog.objects.count()
    sign_in(clinician).get(f"{LIST}{client_profile.pk}/")
    row = AccessLog.objects.filter(object_type="accounts.ClientProfile").get()
    assert row.actor == clinician
    assert row.client == client_profile
    assert row.action == Action.VIEW
    assert row.object_id == str(client_profile.pk)
    assert row.channel == "api"
    assert AccessLog.objects.count() > before


def test_a_refused_detail_writes_no_audit_row(other_clinician, client_profile):
    sign_in(other_clinician).get(f"{LIST}{client_profile.pk}/")
    assert not AccessLog.objects.filter(client=client_profile).exists()


def test_the_list_writes_one_audit_row_per_client_shown(supervisor, everyone):
    sign_in(supervisor).get(LIST)
    rows = AccessLog.objects.filter(object_type="accounts.ClientProfile", actor=supervisor)
    assert sorted(r.client_id for r in rows) == sorted([everyone["ours"].pk, everyone["other"].pk])
    assert {r.action for r in rows} == {Action.VIEW}


def test_an_api_key_read_is_audited_as_the_key(make_key, client_profile):
    key, token = make_key(scopes=[Scope.CLIENTS_READ])
    key_client(token).get(f"{LIST}{client_profile.pk}/")
    row = AccessLog.objects.get(object_type="accounts.ClientProfile")
    assert row.api_key == key
    assert row.actor is None
    assert row.client == client_profile


def _caseload(program, clinician, size: int) -> None:
    colleague = StaffFactory(role=Role.CLINICIAN, profile__program=program)
    for n in range(size):
        client = ClientProfileFactory(
            program=program, user=UserFactory(role=Role.CLIENT, full_name=f"Client {n:02d}")
        )
        CareTeamFactory(client=client, clinician=clinician, is_primary=True)
        CareTeamFactory(
            client=client,
            clinician=colleague,
            is_primary=False,
        )
        EmergencyContactFactory(client=client, priority=1)


def test_the_list_query_count_does_not_grow_with_the_clients(
    supervisor, program, clinician, django_assert_max_num_queries
):
    _caseload(program, clinician, 10)
    browser = sign_in(supervisor)
    browser.get("/api/v1/me/")  # settle the session first
    with django_assert_max_num_queries(10):
        response = browser.get(LIST)
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 10
    assert all(row["primary_clinician"]["id"] == clinician.pk for row in results)


def test_the_list_query_count_with_an_api_key(
    make_key, program, clinician, django_assert_max_num_queries
):
    _caseload(program, clinician, 10)
    _, token = make_key(scopes=[Scope.CLIENTS_READ])
    browser = key_client(token)
    browser.get("/api/v1/me/")  # the first use writes last_used_at
    with django_assert_max_num_queries(6):
        response = browser.get(LIST)
    assert len(response.json()["results"]) == 10


def test_the_list_is_paginated(program, clinician, supervisor):
    _caseload(program, clinician, 3)
    body = sign_in(supervisor).get(LIST).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 3
    assert body["next"] is None
