"""/api/v1/consents/ and /api/v1/clients/<id>/consents/: scoped, audited, validated."""

from __future__ import annotations

import pytest
from django.utils import timezone

from iop.api.models import Scope
from iop.audit.models import AccessLog, Action
from iop.consents.models import ConsentAction, ConsentMethod, ConsentRecord
from iop.consents.selectors import consent_is_active
from iop.consents.services import consent_grant
from tests.api.conftest import VISIBILITY, error_of, key_client
from tests.conftest import sign_in
from tests.factories import ConsentDocumentFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/consents/"
WITHDRAW = "/api/v1/consents/withdraw/"


def states_url(client) -> str:
    return f"/api/v1/clients/{client.pk}/consents/"


@pytest.fixture
def ledger(everyone, documents, clinician, other_clinician, other_supervisor):
    """One SMS grant for each of the three clients, recorded by someone who may."""
    recorders = {"ours": clinician, "other": other_clinician, "far": other_supervisor}
    return {
        name: consent_grant(
            actor=recorders[name],
            client=client,
            document=documents["sms"],
            method=ConsentMethod.PAPER,
        )
        for name, client in everyone.items()
    }


def _grant_body(profile, **overrides) -> dict:
    return {"client": profile.pk, "kind": "sms", "method": "paper", "note": "", **overrides}


# -- reading ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", sorted(VISIBILITY))
def test_the_list_shows_only_visible_clients_records(ledger, browser_for, persona):
    response = browser_for(persona).get(LIST)
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert ids == {ledger[name].pk for name in VISIBILITY[persona]}


@pytest.mark.parametrize("persona", sorted(VISIBILITY))
def test_consent_states_are_404_for_clients_one_may_not_see(everyone, browser_for, persona):
    browser = browser_for(persona)
    for name, client in everyone.items():
        response = browser.get(states_url(client))
        if name in VISIBILITY[persona]:
            assert response.status_code == 200
            assert response.json()["client"] == client.pk
        else:
            assert response.status_code == 404
            assert error_of(response)["code"] == "not_found"


def test_filtering_on_a_client_one_may_not_see_is_404(ledger, everyone, client_profile):
    browser = sign_in(client_profile.user)
    response = browser.get(LIST, {"client": everyone["other"].pk})
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    assert browser.get(LIST, {"client": everyone["far"].pk}).status_code == 404
    own = browser.get(LIST, {"client": client_profile.pk}).json()["results"]
    assert [row["id"] for row in own] == [ledger["ours"].pk]


def test_filters_by_client_and_kind(ledger, everyone, supervisor, documents):
    consent_grant(
        actor=supervisor,
        client=everyone["ours"],
        document=documents["location"],
        method=ConsentMethod.IN_SESSION,
    )
    browser = sign_in(supervisor)
    sms = browser.get(LIST, {"kind": "sms"}).json()["results"]
    assert {row["id"] for row in sms} == {ledger["ours"].pk, ledger["other"].pk}
    theirs = browser.get(LIST, {"client": everyone["other"].pk}).json()["results"]
    assert [row["id"] for row in theirs] == [ledger["other"].pk]
    location = browser.get(LIST, {"client": everyone["ours"].pk, "kind": "location"}).json()
    assert [row["kind"] for row in location["results"]] == ["location"]


def test_an_unknown_kind_filter_is_400_naming_kind(clinician):
    response = sign_in(clinician).get(LIST, {"kind": "telepathy"})
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"kind"}


def test_a_record_has_the_agreed_fields(ledger, clinician, documents, client_profile):
    row = sign_in(clinician).get(LIST).json()["results"][0]
    record = ledger["ours"]
    assert row == {
        "id": record.pk,
        "client": client_profile.pk,
        "kind": "sms",
        "action": "grant",
        "method": "paper",
        "document": {"id": documents["sms"].pk, "version": 1, "title": documents["sms"].title},
        "recorded_by": {"id": clinician.pk, "name": clinician.display_name},
        "recorded_at": row["recorded_at"],
        "note": "",
    }


def test_the_list_writes_one_audit_row_per_client_shown(ledger, everyone, supervisor):
    rows = AccessLog.objects.filter(object_type="consents.ConsentRecord", action=Action.VIEW)
    assert not rows.exists()
    sign_in(supervisor).get(LIST)
    assert rows.count() == 2
    assert {r.client_id for r in rows} == {everyone["ours"].pk, everyone["other"].pk}
    assert {r.actor_id for r in rows} == {supervisor.pk}


def test_states_list_every_kind_and_are_audited(ledger, client_profile, clinician, documents):
    response = sign_in(clinician).get(states_url(client_profile))
    states = {s["kind"]: s for s in response.json()["consents"]}
    assert set(states) == set(documents)
    assert states["sms"]["active"] is True
    assert states["sms"]["latest"]["action"] == "grant"
    assert states["sms"]["document"]["id"] == documents["sms"].pk
    assert states["location"]["active"] is False
    assert states["location"]["latest"] is None
    row = AccessLog.objects.get(object_type="consents", actor=clinician)
    assert row.client == client_profile


# -- granting --------------------------------------------------------------------------


def test_a_clinician_records_a_paper_grant(clinician, client_profile, documents):
    response = sign_in(clinician).post(
        LIST, _grant_body(client_profile, note="Signed at intake"), content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    record = ConsentRecord.objects.get(pk=response.json()["id"])
    assert record.client == client_profile
    assert record.document == documents["sms"]
    assert record.action == ConsentAction.GRANT
    assert record.recorded_by == clinician
    assert record.note == "Signed at intake"
    assert consent_is_active(client_profile, "sms")
    assert AccessLog.objects.filter(action=Action.CREATE, client=client_profile).exists()


def test_a_grant_is_against_the_current_version(clinician, client_profile, documents):
    newer = ConsentDocumentFactory(
        kind="sms", version=2, published_at=timezone.now() - timezone.timedelta(days=1)
    )
    response = sign_in(clinician).post(
        LIST, _grant_body(client_profile), content_type="application/json"
    )
    assert response.json()["document"]["id"] == newer.pk


def test_a_client_grants_their_own_consent_through_the_portal_method(client_profile, documents):
    browser = sign_in(client_profile.user)
    response = browser.post(
        LIST, _grant_body(client_profile, method="portal"), content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    response = browser.post(LIST, _grant_body(client_profile), content_type="application/json")
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"method"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "telepathy"}, "kind"),
        ({"method": "carrier_pigeon"}, "method"),
        ({"method": "portal"}, "method"),  # staff never record as the portal
        ({"client": 999999}, "client"),
        ({"client": "abc"}, "client"),
        ({"note": "x" * 301}, "note"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(
    clinician, client_profile, documents, change, field
):
    records, logs = ConsentRecord.objects.count(), AccessLog.objects.count()
    response = sign_in(clinician).post(
        LIST, _grant_body(client_profile, **change), content_type="application/json"
    )
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert field in error["fields"]
    assert all(isinstance(m, str) for m in error["fields"][field])
    assert ConsentRecord.objects.count() == records
    assert AccessLog.objects.count() == logs


def test_missing_fields_are_all_named(clinician):
    response = sign_in(clinician).post(LIST, {}, content_type="application/json")
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"client", "kind", "method"}


def test_a_kind_without_a_published_document_is_400(clinician, client_profile):
    response = sign_in(clinician).post(
        LIST, _grant_body(client_profile), content_type="application/json"
    )
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"kind"}
    assert not ConsentRecord.objects.exists()


@pytest.mark.parametrize(
    "persona", ["other_clinician", "other_supervisor", "support_agent", "other_client"]
)
def test_no_one_records_for_a_client_they_may_not_see(
    request, client_profile, other_client_profile, documents, persona
):
    if persona == "other_client":
        browser = sign_in(other_client_profile.user)
        body = _grant_body(client_profile, method="portal")
    else:
        browser = sign_in(request.getfixturevalue(persona))
        body = _grant_body(client_profile)
    response = browser.post(LIST, body, content_type="application/json")
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"client"}
    response = browser.post(WITHDRAW, body, content_type="application/json")
    assert set(error_of(response)["fields"]) == {"client"}
    assert not ConsentRecord.objects.exists()


def test_a_supervisor_records_for_a_program_client(supervisor, other_client_profile, documents):
    response = sign_in(supervisor).post(
        LIST,
        _grant_body(other_client_profile, method="in_session"),
        content_type="application/json",
    )
    assert response.status_code == 201


def test_an_api_key_records_as_its_owner(make_key, admin_user, client_profile, documents):
    key, token = make_key(scopes=[Scope.CONSENTS_WRITE])
    response = key_client(token).post(
        LIST, _grant_body(client_profile), content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    record = ConsentRecord.objects.get()
    assert record.recorded_by == admin_user
    log = AccessLog.objects.get(action=Action.CREATE, client=client_profile)
    assert log.api_key == key


def test_an_api_key_needs_the_write_scope(make_key, client_profile, documents):
    _, token = make_key(scopes=[Scope.CONSENTS_READ, Scope.CLIENTS_READ])
    browser = key_client(token)
    for url in (LIST, WITHDRAW):
        response = browser.post(url, _grant_body(client_profile), content_type="application/json")
        assert response.status_code == 403
        error = error_of(response)
        assert error["code"] == "insufficient_scope"
        assert "consents:write" in error["message"]
    assert not ConsentRecord.objects.exists()


def test_an_api_key_cannot_record_as_the_portal(make_key, client_profile, documents):
    _, token = make_key(scopes=[Scope.CONSENTS_WRITE])
    response = key_client(token).post(
        LIST, _grant_body(client_profile, method="portal"), content_type="application/json"
    )
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"method"}


def test_an_api_key_without_an_owner_cannot_record(make_key, client_profile, documents):
    _, token = make_key(scopes=[Scope.CONSENTS_WRITE], owner=None)
    response = key_client(token).post(
        LIST, _grant_body(client_profile), content_type="application/json"
    )
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"
    assert not ConsentRecord.objects.exists()


def test_an_api_key_cannot_record_for_another_program(make_key, far_client_profile, documents):
    _, token = make_key(scopes=[Scope.CONSENTS_WRITE])
    response = key_client(token).post(
        LIST, _grant_body(far_client_profile), content_type="application/json"
    )
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"client"}


# -- withdrawing -----------------------------------------------------------------------


def test_a_withdrawal_ends_the_consent(ledger, clinician, client_profile):
    response = sign_in(clinician).post(
        WITHDRAW, _grant_body(client_profile, method="in_session"), content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["action"] == "withdraw"
    assert response.json()["document"]["id"] == ledger["ours"].document_id
    assert not consent_is_active(client_profile, "sms")


def test_withdrawing_what_is_not_active_is_409_and_saves_nothing(clinician, client_profile):
    records = ConsentRecord.objects.count()
    response = sign_in(clinician).post(
        WITHDRAW, _grant_body(client_profile), content_type="application/json"
    )
    assert response.status_code == 409
    assert error_of(response)["code"] == "conflict"
    assert ConsentRecord.objects.count() == records


def test_a_withdrawal_with_an_unknown_kind_names_kind(ledger, clinician, client_profile):
    records = ConsentRecord.objects.count()
    response = sign_in(clinician).post(
        WITHDRAW, _grant_body(client_profile, kind="telepathy"), content_type="application/json"
    )
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"kind"}
    assert ConsentRecord.objects.count() == records


def test_the_browsable_form_does_not_list_client_names(supervisor, everyone):
    response = sign_in(supervisor).get(LIST, headers={"accept": "text/html"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<form" in page
    assert everyone["other"].user.full_name not in page
    assert everyone["other"].record_number not in page
