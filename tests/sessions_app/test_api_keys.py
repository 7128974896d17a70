"""An integrator's API key over /api/v1/ sessions resources: every list and detail answers (no
500), shows its own program's rows only, and a `sessions:write` key corrects attendance and
decides make-up requests of its program."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from iop.accounts.models import Role
from iop.api.models import Scope
from iop.api.services import api_key_create
from sessions_app.models import Attendance, Enrolment, Group, MakeUpRequest, MakeUpStatus, TechCheck
from tests.api.conftest import key_client
from tests.factories import StaffFactory
from tests.sessions_app.conftest import make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def token_for(program, admin_user):
    def make(*scopes: str) -> str:
        _, token = api_key_create(
            actor=admin_user,
            name="EHR sync",
            program=program,
            scopes=scopes,
            expires_at=timezone.now() + timedelta(days=30),
        )
        return token

    return make


@pytest.fixture
def far_group(other_program, far_client_profile):
    """A group of the other program, with its own facilitator and client."""
    group = Group.objects.create(program=other_program, name="Far Group", capacity=3)
    group.facilitators.add(
        StaffFactory.create(
            email="far.clinician@example.org", role=Role.CLINICIAN, profile__program=other_program
        )
    )
    Enrolment.objects.create(group=group, client=far_client_profile, starts_on=date(2020, 1, 1))
    return group


@pytest.fixture
def rows(group, other_group, far_group, client_profile, other_client_profile, far_client_profile):
    """A started and a future session of each group, with attendance, tech checks and make-ups."""
    now = timezone.now()

    def started(g, title):
        return make_session(g, starts_at=now - timedelta(minutes=30), minutes=90, title=title)

    def future(g, title):
        return make_session(g, starts_at=now + timedelta(days=2), title=title)

    ours, theirs, far = (
        started(group, "Ours"),
        started(other_group, "Theirs"),
        started(far_group, "Far"),
    )
    ours_next, theirs_next, far_next = (
        future(group, "Ours next"),
        future(other_group, "Theirs next"),
        future(far_group, "Far next"),
    )

    def absent(session, client):
        return Attendance.objects.create(
            session=session,
            client=client,
            session_starts_at=session.starts_at,
            derived_status="no_show",
        )

    def asks(client, missed, target):
        return MakeUpRequest.objects.create(
            client=client,
            missed_session=missed,
            target_session=target,
            status=MakeUpStatus.REQUESTED,
            requested_by=client.user,
        )

    for client in (client_profile, far_client_profile):
        TechCheck.objects.create(
            client=client, camera="granted", microphone="granted", webrtc=True, passed=True
        )
    return {
        "sessions": {ours, theirs, ours_next, theirs_next},
        "far_session": far,
        "attendance": absent(ours, client_profile),
        "far_attendance": absent(far, far_client_profile),
        "makeup": asks(client_profile, ours, theirs_next),
        "other_makeup": asks(other_client_profile, theirs, ours_next),
        "far_makeup": asks(far_client_profile, far, far_next),
        "group": group,
        "far_group": far_group,
    }


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_a_read_key_lists_and_reads_only_its_programs_rows(token_for, rows, program):
    browser = key_client(token_for(Scope.SESSIONS_READ))

    assert _ids(browser.get("/api/v1/groups/")) == set(
        Group.objects.filter(program=program).values_list("pk", flat=True)
    )
    assert _ids(browser.get("/api/v1/sessions/")) == {s.pk for s in rows["sessions"]}
    assert _ids(browser.get("/api/v1/enrolments/")) == set(
        Enrolment.objects.filter(group__program=program).values_list("pk", flat=True)
    )
    assert _ids(browser.get("/api/v1/attendance/")) == {rows["attendance"].pk}
    assert _ids(browser.get("/api/v1/tech-checks/")) == set(
        TechCheck.objects.filter(client__program=program).values_list("pk", flat=True)
    )
    assert _ids(browser.get("/api/v1/makeup-requests/")) == {
        rows["makeup"].pk,
        rows["other_makeup"].pk,
    }

    for path, own, far in (
        ("groups", rows["group"], rows["far_group"]),
        ("sessions", next(iter(rows["sessions"])), rows["far_session"]),
        ("attendance", rows["attendance"], rows["far_attendance"]),
    ):
        assert browser.get(f"/api/v1/{path}/{own.pk}/").json()["id"] == own.pk
        assert browser.get(f"/api/v1/{path}/{far.pk}/").status_code == 404


def test_a_read_key_cannot_write(token_for, rows):
    browser = key_client(token_for(Scope.SESSIONS_READ))

    correct = f"/api/v1/attendance/{rows['attendance'].pk}/correct/"
    assert browser.post(correct, {"status": "excused", "reason": "Ill"}).status_code == 403
    approve = f"/api/v1/makeup-requests/{rows['makeup'].pk}/approve/"
    assert browser.post(approve).status_code == 403


def test_a_write_key_corrects_and_decides_in_its_program_only(token_for, rows, admin_user):
    browser = key_client(token_for(Scope.SESSIONS_READ, Scope.SESSIONS_WRITE))

    attendance, far_attendance = rows["attendance"], rows["far_attendance"]
    done = browser.post(
        f"/api/v1/attendance/{attendance.pk}/correct/", {"status": "excused", "reason": "Ill"}
    )
    assert done.status_code == 200 and done.json()["status"] == "excused"
    attendance.refresh_from_db()
    assert attendance.corrected_by == admin_user  # recorded as the key's issuer
    assert (
        browser.post(
            f"/api/v1/attendance/{far_attendance.pk}/correct/",
            {"status": "excused", "reason": "Ill"},
        ).status_code
        == 404
    )

    approved = browser.post(f"/api/v1/makeup-requests/{rows['makeup'].pk}/approve/")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    declined = browser.post(f"/api/v1/makeup-requests/{rows['other_makeup'].pk}/decline/")
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    assert (
        browser.post(f"/api/v1/makeup-requests/{rows['far_makeup'].pk}/approve/").status_code == 404
    )
    assert (
        browser.post(f"/api/v1/makeup-requests/{rows['far_makeup'].pk}/decline/").status_code == 404
    )
    rows["far_makeup"].refresh_from_db()
    assert rows["far_makeup"].status == MakeUpStatus.REQUESTED


def test_a_key_is_never_taken_for_the_client_whose_user_id_it_shares(
    program, admin_user, client_profile, rows
):
    """Services compared `actor.pk` with the client's user id: a key with the same number was
    treated as the client (accepting offers, writing in the chat as them)."""
    from iop.api.models import ApiKey
    from iop.domain import NotAllowed
    from sessions_app.services import chat_send, makeup_decide

    key = ApiKey(
        pk=client_profile.user_id,
        program=program,
        scopes=[Scope.SESSIONS_READ, Scope.SESSIONS_WRITE],
        created_by=admin_user,
    )
    offer = rows["makeup"]
    MakeUpRequest.objects.filter(pk=offer.pk).update(status=MakeUpStatus.OFFERED)

    with pytest.raises(NotAllowed):
        makeup_decide(actor=key, makeup=offer, approve=True)
    with pytest.raises(NotAllowed):
        chat_send(actor=key, session=offer.missed_session, client=client_profile, text="Hi")
    offer.refresh_from_db()
    assert offer.status == MakeUpStatus.OFFERED
