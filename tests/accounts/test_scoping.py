"""Nobody sees what is not theirs: every portal and staff page is scoped to the viewer."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from iop.accounts.models import EmergencyContact
from iop.audit.models import AccessLog
from tests.conftest import sign_in
from tests.factories import CareTeamFactory, ClientProfileFactory, EmergencyContactFactory

pytestmark = pytest.mark.django_db


# --- the client's own pages -------------------------------------------------------------


def test_portal_shows_the_signed_in_client_and_their_care_team(
    client_profile, other_client_profile
):
    response = sign_in(client_profile.user).get("/accounts/portal/")

    assert response.status_code == 200
    assert response.context["client"] == client_profile
    body = response.content.decode()
    assert "Casey Client" in body
    assert "Olive Other" not in body
    care_team = [m.clinician.email for m in response.context["care_team"]]
    assert care_team == ["clinician@example.org"]


def test_portal_is_for_clients_only(clinician):
    assert sign_in(clinician).get("/accounts/portal/").status_code == 403


def test_portal_requires_sign_in(db):
    response = Client().get("/accounts/portal/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_profile_lists_only_the_clients_own_contacts(client_profile, other_client_profile):
    EmergencyContactFactory(client=client_profile, priority=1, name="Mine Mother")
    EmergencyContactFactory(client=other_client_profile, priority=1, name="Theirs Brother")

    response = sign_in(client_profile.user).get("/accounts/profile/")

    assert response.status_code == 200
    body = response.content.decode()
    assert "Mine Mother" in body
    assert "Theirs Brother" not in body
    assert [c.name for c in response.context["contacts"]] == ["Mine Mother"]


def test_editing_another_clients_contact_is_not_found(client_profile, other_client_profile):
    theirs = EmergencyContactFactory(client=other_client_profile, priority=1, name="Theirs")
    browser = sign_in(client_profile.user)

    assert browser.get(f"/accounts/profile/contacts/{theirs.pk}/").status_code == 404
    response = browser.post(
        f"/accounts/profile/contacts/{theirs.pk}/",
        {"name": "Hijacked", "relationship": "x", "phone": "+14155550199"},
    )

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"
    assert theirs.phone == "+14155550123"


def test_deleting_another_clients_contact_is_not_found(client_profile, other_client_profile):
    theirs = EmergencyContactFactory(client=other_client_profile, priority=1)

    response = sign_in(client_profile.user).post(f"/accounts/profile/contacts/{theirs.pk}/delete/")

    assert response.status_code == 404
    assert EmergencyContact.objects.filter(pk=theirs.pk).exists()


def test_moving_up_another_clients_contact_is_not_found(client_profile, other_client_profile):
    first = EmergencyContactFactory(client=other_client_profile, priority=1)
    second = EmergencyContactFactory(client=other_client_profile, priority=2)

    response = sign_in(client_profile.user).post(f"/accounts/profile/contacts/{second.pk}/up/")

    assert response.status_code == 404
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.priority, second.priority) == (1, 2)


def test_contact_pages_are_for_clients_only(clinician, client_profile):
    contact = EmergencyContactFactory(client=client_profile, priority=1)
    browser = sign_in(clinician)

    assert browser.get("/accounts/profile/contacts/new/").status_code == 403
    assert browser.post(f"/accounts/profile/contacts/{contact.pk}/delete/").status_code == 403
    assert EmergencyContact.objects.filter(pk=contact.pk).exists()


# --- the staff dashboard ----------------------------------------------------------------


def _listed(response) -> set[int]:
    """The clients the dashboard's caseload links to (drawn by the core or, when an app draws
    it through slots.STAFF_CASELOAD, by that app: crisis sorts it by risk)."""
    return {
        int(pk) for pk in re.findall(r'href="/staff/clients/(\d+)/"', response.content.decode())
    }


def test_clinician_dashboard_lists_only_their_caseload(
    clinician, client_profile, other_client_profile, far_client_profile
):
    response = sign_in(clinician).get("/staff/")

    assert response.status_code == 200
    assert _listed(response) == {client_profile.pk}
    body = response.content.decode()
    assert "Casey Client" in body
    assert "Olive Other" not in body
    assert "Fran Faraway" not in body


def test_supervisor_dashboard_lists_their_program_only(
    supervisor, client_profile, other_client_profile, far_client_profile
):
    response = sign_in(supervisor).get("/staff/")

    assert response.status_code == 200
    assert _listed(response) == {client_profile.pk, other_client_profile.pk}
    body = response.content.decode()
    assert "Casey Client" in body and "Olive Other" in body
    assert "Fran Faraway" not in body


def test_other_programs_supervisor_sees_only_their_program(
    other_supervisor, client_profile, far_client_profile
):
    response = sign_in(other_supervisor).get("/staff/")

    assert _listed(response) == {far_client_profile.pk}


def test_support_agent_dashboard_lists_no_clients(
    support_agent, client_profile, other_client_profile
):
    response = sign_in(support_agent).get("/staff/")

    assert response.status_code == 200
    assert response.context["clients"] == []
    body = response.content.decode()
    assert "Casey Client" not in body
    assert "Olive Other" not in body
    assert not AccessLog.objects.filter(actor=support_agent).exists()


def test_client_is_refused_the_staff_area(client_profile):
    browser = sign_in(client_profile.user)

    assert browser.get("/staff/").status_code == 403
    assert browser.get(f"/staff/clients/{client_profile.pk}/").status_code == 403
    assert browser.get(f"/staff/clients/{client_profile.pk}/access-log/").status_code == 403


def test_dashboard_query_count_does_not_grow_with_the_caseload(supervisor, program, clinician):
    def queries_for_dashboard() -> int:
        browser = sign_in(supervisor)
        with CaptureQueriesContext(connection) as captured:
            assert browser.get("/staff/").status_code == 200
        return len(captured)

    for _ in range(2):
        CareTeamFactory(client=ClientProfileFactory(program=program), clinician=clinician)
    small = queries_for_dashboard()
    for _ in range(8):
        CareTeamFactory(client=ClientProfileFactory(program=program), clinician=clinician)
    large = queries_for_dashboard()

    assert large == small


# --- a client's record ------------------------------------------------------------------


def test_clinician_opens_their_own_clients_record(clinician, client_profile):
    EmergencyContactFactory(client=client_profile, priority=1, name="Mine Mother")

    response = sign_in(clinician).get(f"/staff/clients/{client_profile.pk}/")

    assert response.status_code == 200
    assert response.context["client"] == client_profile
    assert "Mine Mother" in response.content.decode()


def test_clinician_cannot_open_another_caseloads_record(clinician, other_client_profile):
    response = sign_in(clinician).get(f"/staff/clients/{other_client_profile.pk}/")

    assert response.status_code == 404
    assert not AccessLog.objects.filter(client=other_client_profile).exists()


def test_supervisor_opens_any_record_in_their_program(
    supervisor, client_profile, other_client_profile
):
    browser = sign_in(supervisor)

    assert browser.get(f"/staff/clients/{client_profile.pk}/").status_code == 200
    assert browser.get(f"/staff/clients/{other_client_profile.pk}/").status_code == 200


def test_supervisor_cannot_open_another_programs_record(supervisor, far_client_profile):
    response = sign_in(supervisor).get(f"/staff/clients/{far_client_profile.pk}/")

    assert response.status_code == 404
    assert not AccessLog.objects.filter(client=far_client_profile).exists()


def test_other_programs_supervisor_cannot_open_our_record(other_supervisor, client_profile):
    assert sign_in(other_supervisor).get(f"/staff/clients/{client_profile.pk}/").status_code == 404


def test_support_agent_cannot_open_any_clinical_record(support_agent, client_profile):
    response = sign_in(support_agent).get(f"/staff/clients/{client_profile.pk}/")

    assert response.status_code == 404
    assert not AccessLog.objects.filter(client=client_profile).exists()


def test_unknown_client_is_not_found(admin_user):
    assert sign_in(admin_user).get("/staff/clients/999999/").status_code == 404


# --- who looked: the access log page ----------------------------------------------------


def test_access_log_page_is_for_supervisors(supervisor, client_profile):
    response = sign_in(supervisor).get(f"/staff/clients/{client_profile.pk}/access-log/")

    assert response.status_code == 200


def test_access_log_page_is_for_admins(admin_user, client_profile):
    response = sign_in(admin_user).get(f"/staff/clients/{client_profile.pk}/access-log/")

    assert response.status_code == 200


def test_clinician_cannot_see_the_access_log_even_for_their_own_client(clinician, client_profile):
    browser = sign_in(clinician)

    assert browser.get(f"/staff/clients/{client_profile.pk}/access-log/").status_code == 403
    record = browser.get(f"/staff/clients/{client_profile.pk}/")
    assert "access-log" not in record.content.decode()


def test_support_agent_cannot_see_the_access_log(support_agent, client_profile):
    response = sign_in(support_agent).get(f"/staff/clients/{client_profile.pk}/access-log/")

    assert response.status_code == 403


def test_supervisor_cannot_see_another_programs_access_log(supervisor, far_client_profile):
    response = sign_in(supervisor).get(f"/staff/clients/{far_client_profile.pk}/access-log/")

    assert response.status_code == 404
