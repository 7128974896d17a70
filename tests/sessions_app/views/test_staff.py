"""Staff pages (views/staff.py): scoping, query counts pinned, tech checks, corrections, make-ups."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from iop.audit.models import AccessLog
from sessions_app.models import (
    Attendance,
    AttendanceCorrection,
    CalendarFeed,
    Enrolment,
    TechCheck,
)
from tests.conftest import sign_in
from tests.factories import ClientProfileFactory, UserFactory
from tests.sessions_app.conftest import make_session

pytestmark = pytest.mark.django_db


# --- scoping ---------------------------------------------------------------------------------------


def test_a_clinician_sees_only_their_groups(clinician, now_session, other_session):
    browser = sign_in(clinician)

    page = browser.get("/staff/sessions/").content.decode()
    assert "Now group" in page and "Morning group" not in page
    assert browser.get(f"/staff/sessions/{now_session.pk}/").status_code == 200
    assert browser.get(f"/staff/sessions/{other_session.pk}/").status_code == 404


def test_a_supervisor_sees_the_programs_sessions_and_support_sees_none(
    supervisor, support_agent, now_session, other_session
):
    page = sign_in(supervisor).get("/staff/sessions/").content.decode()
    assert "Now group" in page and "Morning group" in page

    support = sign_in(support_agent)
    assert "Now group" not in support.get("/staff/sessions/").content.decode()
    assert support.get(f"/staff/sessions/{now_session.pk}/").status_code == 404


def test_staff_pages_need_the_second_factor_and_clients_are_refused(
    clinician, client_profile, now_session
):
    assert sign_in(clinician, verified=False).get("/staff/sessions/").status_code == 302
    assert sign_in(client_profile.user).get("/staff/sessions/").status_code == 403


# --- query counts ----------------------------------------------------------------------------------


def _crowd(group, sessions: int, clients: int):
    group.capacity = 50
    group.save()
    for n in range(clients):
        profile = ClientProfileFactory.create(
            user=UserFactory(full_name=f"Crowd {n}"), program=group.program
        )
        Enrolment.objects.create(
            group=group, client=profile, starts_on=timezone.localdate() - timedelta(days=30)
        )
    base = timezone.now().replace(minute=0, second=0, microsecond=0)
    return [
        make_session(group, starts_at=base + timedelta(hours=2 + 2 * i), title=f"S{i}")
        for i in range(sessions)
    ]


# The staff base template's own panels (live feed, crisis queue) cost a few queries of their
# own; the pins leave room for them, and each test also checks the count does not grow.
LIST_PIN = 20


ATTENDANCE_PIN = 24


def _count(browser, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert browser.get(url).status_code == 200
    return len(captured)


def test_the_session_list_query_count_does_not_grow_with_sessions(
    clinician, group, django_assert_max_num_queries
):
    browser = sign_in(clinician)
    _crowd(group, sessions=2, clients=2)
    small = _count(browser, "/staff/sessions/")

    _crowd(group, sessions=10, clients=8)
    with django_assert_max_num_queries(LIST_PIN):
        page = browser.get("/staff/sessions/")
    assert page.content.decode().count("data-session-id=") == 12
    assert _count(browser, "/staff/sessions/") <= small


def test_the_attendance_page_query_count_does_not_grow_with_clients(
    clinician, group, django_assert_max_num_queries
):
    browser = sign_in(clinician)
    session = make_session(group, starts_at=timezone.now() - timedelta(minutes=20), minutes=90)
    small = _count(browser, f"/staff/sessions/{session.pk}/")

    _crowd(group, sessions=0, clients=12)
    for profile in [
        e.client for e in Enrolment.objects.filter(group=group).select_related("client")
    ][:6]:
        TechCheck.objects.create(
            client=profile, camera="granted", microphone="granted", webrtc=True, passed=True
        )
        Attendance.objects.create(
            session=session,
            client=profile,
            session_starts_at=session.starts_at,
            derived_status="present",
        )
    with django_assert_max_num_queries(ATTENDANCE_PIN):
        page = browser.get(f"/staff/sessions/{session.pk}/")
    assert page.content.decode().count('class="att-cell"') == 13
    assert _count(browser, f"/staff/sessions/{session.pk}/") <= small


# --- tech checks -----------------------------------------------------------------------------------


def test_staff_see_a_clients_last_tech_check(clinician, client_profile, now_session):
    TechCheck.objects.create(
        client=client_profile,
        camera="denied",
        microphone="granted",
        webrtc=True,
        passed=False,
        problems=["Camera: blocked."],
    )

    page = sign_in(clinician).get(f"/staff/sessions/{now_session.pk}/").content.decode()
    assert "problems" in page
    checks = (
        sign_in(clinician)
        .get(f"/staff/sessions/clients/{client_profile.pk}/tech-checks/")
        .content.decode()
    )
    assert "Camera: blocked." in checks


# --- corrections -----------------------------------------------------------------------------------


def test_a_facilitator_corrects_attendance_with_a_reason_and_it_is_audited(
    clinician, client_profile, now_session
):
    browser = sign_in(clinician)
    url = f"/staff/sessions/{now_session.pk}/attendance/{client_profile.pk}/correct/"

    refused = browser.post(url, {"status": "excused", "reason": ""})
    assert refused.status_code == 302
    assert not AttendanceCorrection.objects.exists()

    browser.post(url, {"status": "excused", "reason": "Called ahead: medical appointment."})
    attendance = Attendance.objects.get(session=now_session, client=client_profile)
    assert attendance.status == "excused" and attendance.derived_status == "expected"
    assert attendance.corrections.get().reason == "Called ahead: medical appointment."
    assert AccessLog.objects.filter(
        action="update", object_type="sessions_app.Attendance", actor=clinician
    ).exists()


def test_another_clinician_cannot_correct(other_clinician, client_profile, now_session):
    response = sign_in(other_clinician).post(
        f"/staff/sessions/{now_session.pk}/attendance/{client_profile.pk}/correct/",
        {"status": "present", "reason": "x"},
    )
    assert response.status_code == 404


def test_the_correction_address_writes_nothing_on_a_get(clinician, client_profile, now_session):
    # The page's form posts here; a GET (a prefetch, a pasted link) must not derive a row and
    # audit it before answering that the method is wrong.
    response = sign_in(clinician).get(
        f"/staff/sessions/{now_session.pk}/attendance/{client_profile.pk}/correct/"
    )

    assert response.status_code == 405
    assert not Attendance.objects.exists()
    assert not AccessLog.objects.filter(object_type="sessions_app.Attendance").exists()


def test_opening_a_row_to_correct_needs_someone_who_runs_the_session_and_is_audited(
    clinician, supervisor, support_agent, client_profile, now_session
):
    from iop.domain import NotAllowed
    from sessions_app import services

    with pytest.raises(NotAllowed):
        services.attendance_open_for_correction(
            actor=support_agent, session=now_session, client=client_profile
        )
    assert not Attendance.objects.exists()

    attendance = services.attendance_open_for_correction(
        actor=clinician, session=now_session, client=client_profile
    )
    assert attendance.status == "expected" and attendance.session_id == now_session.pk
    assert AccessLog.objects.filter(
        action="create", actor=clinician, client=client_profile, object_id=str(attendance.pk)
    ).exists()
    services.attendance_open_for_correction(
        actor=supervisor, session=now_session, client=client_profile
    )
    assert Attendance.objects.count() == 1
    assert AccessLog.objects.filter(
        action="update", actor=supervisor, object_id=str(attendance.pk)
    ).exists()


# --- the private calendar --------------------------------------------------------------------------


def test_a_facilitators_feed_has_the_sessions_they_run(
    clinician, now_session, other_session, client
):
    url = sign_in(clinician).get("/staff/sessions/calendar/").context["url"]
    assert CalendarFeed.objects.filter(user=clinician).exists()
    body = client.get(url.removeprefix("http://testserver")).content.decode()
    assert "Now group" in body and "Morning group" not in body


# --- the dashboard and make-up offers --------------------------------------------------------------


def test_the_dashboard_shows_todays_attendance_and_missed_session_outreach(
    clinician, client_profile, group
):
    from sessions_app import services

    # Midday in the clinic's zone: a session that started 15 minutes before a run just after
    # local midnight belongs to yesterday and is rightly not on today's dashboard.
    midday = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    with time_machine.travel(midday, tick=False):
        session = make_session(
            group, starts_at=timezone.now() - timedelta(minutes=15), minutes=60, title="Today group"
        )
        services.sessions_missed_tick()
        page = sign_in(clinician).get("/staff/").content.decode()
    assert "Today group" in page
    assert f'data-session-id="{session.pk}"' in page
    assert 'data-status="no_show"' in page and "We missed you" in page


def test_staff_offer_a_make_up_and_the_client_accepts_it(
    clinician, client_profile, group, other_group
):
    other_group.capacity = 5
    other_group.save()
    past = make_session(group, starts_at=timezone.now() - timedelta(hours=3), title="Missed one")
    target = make_session(
        other_group, starts_at=timezone.now() + timedelta(days=1), title="Make-up slot"
    )

    response = sign_in(clinician).post(
        f"/staff/sessions/{past.pk}/offer/{client_profile.pk}/", {"target_session": target.pk}
    )
    assert response.status_code == 302
    makeup = client_profile.makeup_requests.get()
    assert makeup.status == "offered"

    browser = sign_in(client_profile.user)
    assert "Make-up sessions offered to you" in browser.get("/sessions/").content.decode()
    browser.post(f"/sessions/makeups/{makeup.pk}/answer/", {"decision": "accept"})
    makeup.refresh_from_db()
    assert makeup.status == "approved"
    # Now expected at the target: it is on their page, which another group's session never is.
    assert browser.get(f"/sessions/{target.pk}/").status_code == 200


def test_an_invalid_correction_or_move_says_why_in_the_banner(
    clinician, client_profile, now_session
):
    attendance = Attendance.objects.create(
        session=now_session,
        client=client_profile,
        session_starts_at=now_session.starts_at,
        derived_status="no_show",
    )
    browser = sign_in(clinician)

    def banner(url: str, data: dict[str, str]) -> str:
        response = browser.post(url, data, follow=True)
        return " ".join(str(m) for m in response.context["messages"])

    base = "/staff/sessions"
    missing = banner(f"{base}/attendance/{attendance.pk}/correct/", {"status": "excused"})
    assert "Say why the attendance is being corrected." in missing
    too_short = banner(
        f"{base}/{now_session.pk}/move/",
        {"scope": "rest", "start_time": "10:00", "duration_minutes": "0"},
    )
    assert "greater than or equal to 1" in too_short and "%(" not in too_short
    assert not AttendanceCorrection.objects.exists()


def test_the_session_list_tallies_attendance_in_words(clinician, client_profile, now_session):
    other = ClientProfileFactory(program=client_profile.program)
    for profile, status in ((client_profile, "technical_issue"), (other, "no_show")):
        Attendance.objects.create(
            session=now_session,
            client=profile,
            session_starts_at=now_session.starts_at,
            derived_status=status,
        )
    page = sign_in(clinician).get("/staff/sessions/").content.decode()
    assert "Technical issue: 1" in page and "No-show: 1" in page
    assert "technical_issue" not in page and "no_show" not in page
