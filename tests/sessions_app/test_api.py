"""/api/v1/ groups, sessions, enrolments, attendance, tech checks, make-ups: scoped and documented."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from iop.api.models import Scope
from iop.audit.models import AccessLog
from sessions_app.models import Attendance, Enrolment, TechCheck
from tests.api.conftest import error_of, key_client
from tests.conftest import sign_in
from tests.sessions_app.conftest import make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def make_key(program, admin_user):
    from iop.api.services import api_key_create

    def make(scopes, key_program=None):
        return api_key_create(
            actor=admin_user,
            name="EHR sync",
            program=key_program or program,
            scopes=scopes,
            expires_at=timezone.now() + timedelta(days=30),
        )

    return make


@pytest.fixture
def sessions(group, other_group):
    now = timezone.now()
    return {
        "ours": make_session(
            group, starts_at=now - timedelta(minutes=30), minutes=90, title="Ours"
        ),
        "other": make_session(other_group, starts_at=now + timedelta(days=2), title="Theirs"),
    }


def test_a_client_lists_only_their_own_groups_sessions(client_profile, sessions):
    body = sign_in(client_profile.user).get("/api/v1/sessions/").json()

    assert [s["title"] for s in body["results"]] == ["Ours"]
    assert (
        sign_in(client_profile.user).get(f"/api/v1/sessions/{sessions['other'].pk}/").status_code
        == 404
    )


def test_sessions_filter_by_date_range_group_and_client(
    supervisor, sessions, group, client_profile, other_client_profile
):
    browser = sign_in(supervisor)
    today = timezone.localdate(sessions["ours"].starts_at, timezone=timezone.get_current_timezone())

    def titles(query: str) -> list[str]:
        return [s["title"] for s in browser.get(f"/api/v1/sessions/?{query}").json()["results"]]

    assert titles("") == ["Ours", "Theirs"]
    assert titles(f"group={group.pk}") == ["Ours"]
    assert titles(f"client={other_client_profile.pk}") == ["Theirs"]
    assert titles(
        f"starts_after={(timezone.now() + timedelta(days=1)).isoformat().replace('+', '%2B')}"
    ) == ["Theirs"]
    assert "Ours" in titles(
        f"date_from={today - timedelta(days=1)}&date_to={today + timedelta(days=1)}"
    )


def test_a_clinician_cannot_filter_for_a_client_outside_their_caseload(
    clinician, sessions, other_client_profile
):
    response = sign_in(clinician).get(f"/api/v1/sessions/?client={other_client_profile.pk}")
    assert response.status_code == 404


def test_an_api_key_needs_the_sessions_scope_and_sees_its_program(
    make_key, sessions, far_client_profile
):
    _, without = make_key([Scope.CLIENTS_READ])
    refused = key_client(without).get("/api/v1/sessions/")
    assert refused.status_code == 403 and error_of(refused)["code"] == "insufficient_scope"

    _, token = make_key([Scope.SESSIONS_READ])
    assert len(key_client(token).get("/api/v1/sessions/").json()["results"]) == 2
    assert len(key_client(token).get("/api/v1/groups/").json()["results"]) == 2
    assert (
        key_client(token).post("/api/v1/tech-checks/", {}).status_code == 403
    )  # only clients record them


def test_enrolment_over_capacity_is_refused_naming_the_group(supervisor, group, program):
    from tests.factories import ClientProfileFactory

    browser = sign_in(supervisor)
    extra = [ClientProfileFactory(program=program) for _ in range(3)]
    for profile in extra[:2]:
        response = browser.post(
            "/api/v1/enrolments/",
            {"group": group.pk, "client": profile.pk, "starts_on": "2026-12-01"},
        )
        assert response.status_code == 201, response.json()

    response = browser.post(
        "/api/v1/enrolments/", {"group": group.pk, "client": extra[2].pk, "starts_on": "2026-12-01"}
    )
    assert response.status_code == 400
    assert "full" in error_of(response)["fields"]["group"][0]
    assert not Enrolment.objects.filter(client=extra[2]).exists()
    # Once someone's enrolment has ended, the place is free again.
    Enrolment.objects.filter(client=extra[0]).update(ends_on=date(2026, 12, 31))
    response = browser.post(
        "/api/v1/enrolments/", {"group": group.pk, "client": extra[2].pk, "starts_on": "2027-01-01"}
    )
    assert response.status_code == 201


def test_attendance_list_is_scoped_and_audited_and_correction_needs_a_reason(
    clinician, other_clinician, client_profile, sessions
):
    attendance = Attendance.objects.create(
        session=sessions["ours"],
        client=client_profile,
        session_starts_at=sessions["ours"].starts_at,
        derived_status="no_show",
    )
    assert sign_in(other_clinician).get("/api/v1/attendance/").json()["results"] == []
    browser = sign_in(clinician)
    body = browser.get("/api/v1/attendance/").json()
    assert [a["status"] for a in body["results"]] == ["no_show"]
    assert AccessLog.objects.filter(
        actor=clinician, object_type="sessions.Attendance", client=client_profile
    ).exists()

    refused = browser.post(f"/api/v1/attendance/{attendance.pk}/correct/", {"status": "excused"})
    assert refused.status_code == 400 and "reason" in error_of(refused)["fields"]
    done = browser.post(
        f"/api/v1/attendance/{attendance.pk}/correct/",
        {"status": "excused", "reason": "Hospital visit"},
    )
    assert done.status_code == 200 and done.json()["status"] == "excused"
    assert (
        sign_in(other_clinician)
        .post(f"/api/v1/attendance/{attendance.pk}/correct/", {"status": "present", "reason": "x"})
        .status_code
        == 404
    )


def test_a_client_records_a_tech_check_and_their_clinician_reads_it(
    client_profile, clinician, other_clinician, sessions
):
    response = sign_in(client_profile.user).post(
        "/api/v1/tech-checks/",
        {
            "session": sessions["ours"].pk,
            "camera": "granted",
            "microphone": "denied",
            "webrtc": True,
            "download_mbps": 8,
        },
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["passed"] is False
    assert [
        c["microphone"] for c in sign_in(clinician).get("/api/v1/tech-checks/").json()["results"]
    ] == ["denied"]
    assert sign_in(other_clinician).get("/api/v1/tech-checks/").json()["results"] == []
    assert TechCheck.objects.count() == 1


def test_make_up_requests_refuse_the_past_and_full_sessions_then_staff_approve(
    client_profile, other_client_profile, clinician, other_clinician, group, other_group
):
    missed = make_session(group, starts_at=timezone.now() - timedelta(hours=4), title="Missed")
    past = make_session(other_group, starts_at=timezone.now() - timedelta(hours=1), title="Past")
    future = make_session(other_group, starts_at=timezone.now() + timedelta(days=1), title="Future")
    browser = sign_in(client_profile.user)

    def ask(target):
        return browser.post(
            "/api/v1/makeup-requests/",
            {"client": client_profile.pk, "missed_session": missed.pk, "target_session": target.pk},
        )

    response = ask(past)
    assert response.status_code == 400
    assert "already started" in error_of(response)["fields"]["target_session"][0]
    other_group.capacity = 1  # other_client_profile already fills it
    other_group.save()
    response = ask(future)
    assert (
        response.status_code == 400 and "full" in error_of(response)["fields"]["target_session"][0]
    )
    other_group.capacity = 3
    other_group.save()

    created = ask(future)
    assert created.status_code == 201 and created.json()["status"] == "requested"
    makeup_id = created.json()["id"]
    # The missed session's facilitator sees the request but only the target's staff decide it.
    assert (
        sign_in(clinician).post(f"/api/v1/makeup-requests/{makeup_id}/approve/").status_code == 403
    )
    approved = sign_in(other_clinician).post(
        f"/api/v1/makeup-requests/{makeup_id}/approve/", {"note": "See you then"}
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    # Now expected there: the client sees it, and it counts against the capacity.
    assert [
        s["title"]
        for s in browser.get(
            f"/api/v1/sessions/?starts_after={timezone.now().isoformat().replace('+', '%2B')}"
        ).json()["results"]
    ] == ["Future"]


def test_the_schema_documents_the_sessions_endpoints(client):
    schema = client.get("/api/schema/?format=json").json()
    for path in (
        "/api/v1/groups/",
        "/api/v1/sessions/",
        "/api/v1/enrolments/",
        "/api/v1/attendance/",
        "/api/v1/attendance/{id}/correct/",
        "/api/v1/tech-checks/",
        "/api/v1/makeup-requests/",
        "/api/v1/makeup-requests/{id}/approve/",
    ):
        assert path in schema["paths"], path
    parameters = {p["name"] for p in schema["paths"]["/api/v1/sessions/"]["get"]["parameters"]}
    assert {"date_from", "date_to", "group", "client", "starts_after"} <= parameters
