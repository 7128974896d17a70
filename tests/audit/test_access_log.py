"""Every read and write of health information leaves an AccessLog row that says who, what, where."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from iop.accounts.models import EmergencyContact
from iop.audit.models import AccessLog, Action
from iop.audit.services import access_record
from tests.conftest import sign_in
from tests.factories import EmergencyContactFactory

pytestmark = pytest.mark.django_db

CONTACT = {"name": "Jordan Rivera", "relationship": "sister", "phone": "+14155550188"}


def test_viewing_a_client_record_logs_who_what_and_where(clinician, client_profile):
    response = sign_in(clinician).get(f"/staff/clients/{client_profile.pk}/")

    assert response.status_code == 200
    request_id = response["X-Request-ID"]
    assert request_id
    rows = list(AccessLog.objects.filter(client=client_profile).order_by("id"))
    # records adds the client's weekly hours to the record (slots.STAFF_CLIENT_RECORD).
    assert {r.object_type for r in rows} == {
        "accounts.ClientProfile",
        "accounts.EmergencyContact",
        "records.WeeklyHours",
    }
    for row in rows:
        assert row.actor == clinician
        assert row.actor_label == "clinician@example.org"
        assert row.action == "view"
        assert row.request_id == request_id
        assert row.ip_address == "127.0.0.1"
        assert row.channel == "staff"
    profile_row = next(r for r in rows if r.object_type == "accounts.ClientProfile")
    assert profile_row.object_id == str(client_profile.pk)


def test_each_request_gets_its_own_id(clinician, client_profile):
    browser = sign_in(clinician)
    first = browser.get(f"/staff/clients/{client_profile.pk}/")["X-Request-ID"]
    second = browser.get(f"/staff/clients/{client_profile.pk}/")["X-Request-ID"]

    assert first != second
    ids = set(AccessLog.objects.filter(client=client_profile).values_list("request_id", flat=True))
    assert ids == {first, second}


def test_a_safe_incoming_request_id_is_kept_and_a_bad_one_replaced(clinician, client_profile):
    browser = sign_in(clinician)

    kept = browser.get(
        f"/staff/clients/{client_profile.pk}/", headers={"X-Request-ID": "lb-7f3a.01"}
    )
    replaced = browser.get(
        f"/staff/clients/{client_profile.pk}/", headers={"X-Request-ID": "bad id\nwith newline"}
    )

    assert kept["X-Request-ID"] == "lb-7f3a.01"
    # The profile, the emergency contacts and the weekly hours: three reads each.
    assert AccessLog.objects.filter(request_id="lb-7f3a.01").count() == 3
    assert replaced["X-Request-ID"] != "bad id\nwith newline"
    assert AccessLog.objects.filter(request_id=replaced["X-Request-ID"]).count() == 3


def test_the_dashboard_logs_one_row_per_listed_client(
    supervisor, client_profile, other_client_profile, far_client_profile
):
    response = sign_in(supervisor).get("/staff/")

    rows = AccessLog.objects.filter(actor=supervisor)
    # The caseload is drawn by the crisis app when installed (slots.STAFF_CASELOAD, by risk),
    # and records adds each client's hours this week: one row per listed client for each.
    kinds = set(rows.values_list("object_type", flat=True))
    assert kinds <= {"caseload", "crisis.caseload_risk", "records.WeeklyHours"}
    for kind in kinds:
        assert sorted(rows.filter(object_type=kind).values_list("client_id", flat=True)) == sorted(
            [client_profile.pk, other_client_profile.pk]
        )
    assert set(rows.values_list("action", flat=True)) == {"view"}
    assert set(rows.values_list("request_id", flat=True)) == {response["X-Request-ID"]}
    assert not AccessLog.objects.filter(client=far_client_profile).exists()


def test_a_clinicians_dashboard_logs_only_their_caseload(
    clinician, client_profile, other_client_profile
):
    sign_in(clinician).get("/staff/")

    rows = AccessLog.objects.filter(actor=clinician)
    assert set(rows.values_list("client_id", flat=True)) == {client_profile.pk}
    # one row for each listing of the caseload (its risk, its hours this week)
    assert rows.count() == len(set(rows.values_list("object_type", flat=True)))


def test_adding_a_contact_logs_a_create(client_profile):
    response = sign_in(client_profile.user).post("/accounts/profile/contacts/new/", CONTACT)

    contact = EmergencyContact.objects.get(client=client_profile)
    row = AccessLog.objects.get(action="create")
    assert row.actor == client_profile.user
    assert row.client == client_profile
    assert row.object_type == "accounts.EmergencyContact"
    assert row.object_id == str(contact.pk)
    assert row.channel == "portal"
    assert row.request_id == response["X-Request-ID"]


def test_changing_a_contact_logs_an_update(client_profile):
    contact = EmergencyContactFactory(client=client_profile, priority=1)

    sign_in(client_profile.user).post(f"/accounts/profile/contacts/{contact.pk}/", CONTACT)

    row = AccessLog.objects.get(action="update")
    assert (row.actor, row.client, row.object_type, row.object_id) == (
        client_profile.user,
        client_profile,
        "accounts.EmergencyContact",
        str(contact.pk),
    )


def test_removing_a_contact_logs_a_delete(client_profile):
    contact = EmergencyContactFactory(client=client_profile, priority=1)

    sign_in(client_profile.user).post(f"/accounts/profile/contacts/{contact.pk}/delete/")

    row = AccessLog.objects.get(action="delete")
    assert (row.actor, row.client, row.object_type, row.object_id) == (
        client_profile.user,
        client_profile,
        "accounts.EmergencyContact",
        str(contact.pk),
    )


def test_reordering_contacts_logs_an_update(client_profile):
    EmergencyContactFactory(client=client_profile, priority=1)
    second = EmergencyContactFactory(client=client_profile, priority=2)

    sign_in(client_profile.user).post(f"/accounts/profile/contacts/{second.pk}/up/")

    assert AccessLog.objects.filter(action="update", object_id=str(second.pk)).exists()


def test_a_client_viewing_their_contacts_is_logged(client_profile):
    sign_in(client_profile.user).get("/accounts/profile/")

    row = AccessLog.objects.get(object_type="accounts.EmergencyContact")
    assert (row.actor, row.client, row.action) == (client_profile.user, client_profile, "view")


# --- the supervisor's page --------------------------------------------------------------


def test_supervisor_sees_who_looked_at_a_record(
    supervisor, clinician, other_clinician, client_profile, other_client_profile
):
    sign_in(clinician).get(f"/staff/clients/{client_profile.pk}/")
    sign_in(other_clinician).get(f"/staff/clients/{other_client_profile.pk}/")

    response = sign_in(supervisor).get(f"/staff/clients/{client_profile.pk}/access-log/")

    assert response.status_code == 200
    labels = [row.actor_label for row in response.context["page"]]
    assert "clinician@example.org" in labels
    assert "other.clinician@example.org" not in labels
    assert all(row.client_id == client_profile.pk for row in response.context["page"])
    body = response.content.decode()
    assert "clinician@example.org" in body
    assert "other.clinician@example.org" not in body
    assert "127.0.0.1" in body


def test_the_access_log_page_is_itself_logged(supervisor, client_profile):
    response = sign_in(supervisor).get(f"/staff/clients/{client_profile.pk}/access-log/")

    assert AccessLog.objects.filter(
        actor=supervisor, client=client_profile, request_id=response["X-Request-ID"]
    ).exists()


def test_a_refused_look_leaves_no_trace_of_the_client(clinician, other_client_profile):
    sign_in(clinician).get(f"/staff/clients/{other_client_profile.pk}/")

    assert not AccessLog.objects.filter(client=other_client_profile).exists()


def test_the_access_log_page_query_count_does_not_grow_with_rows(
    supervisor, clinician, client_profile
):
    def queries() -> int:
        browser = sign_in(supervisor)
        with CaptureQueriesContext(connection) as captured:
            response = browser.get(f"/staff/clients/{client_profile.pk}/access-log/")
            assert response.status_code == 200
        return len(captured)

    access_record(actor=clinician, action=Action.VIEW, client=client_profile, obj=client_profile)
    few = queries()
    for _ in range(30):
        access_record(
            actor=clinician, action=Action.VIEW, client=client_profile, obj=client_profile
        )
    many = queries()

    assert many == few
