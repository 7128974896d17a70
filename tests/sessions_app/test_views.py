"""Portal and staff pages: scoping, query counts pinned, tech check, trouble, corrections, iCal."""

from __future__ import annotations

import json
from datetime import UTC, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from iop.audit.models import AccessLog
from sessions_app.models import (
    Attendance,
    AttendanceCorrection,
    AttendanceEvent,
    CalendarFeed,
    Enrolment,
    TechCheck,
)
from tests.conftest import sign_in
from tests.factories import ClientProfileFactory, UserFactory
from tests.sessions_app.conftest import make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def now_session(group):
    """A session that started five minutes ago."""
    return make_session(
        group, starts_at=timezone.now() - timedelta(minutes=5), minutes=90, title="Now group"
    )


@pytest.fixture
def other_session(other_group):
    return make_session(
        other_group, starts_at=timezone.now() + timedelta(hours=3), title="Morning group"
    )


# --- scoping ------------------------------------------------------------------------------------


def test_a_client_sees_their_groups_sessions_and_not_another_groups(
    client_profile, now_session, other_session
):
    browser = sign_in(client_profile.user)

    listing = browser.get("/sessions/")
    assert listing.status_code == 200
    assert (
        "Now group" in listing.content.decode() and "Morning group" not in listing.content.decode()
    )
    assert browser.get(f"/sessions/{now_session.pk}/").status_code == 200
    assert browser.get(f"/sessions/{other_session.pk}/").status_code == 404
    portal = browser.get("/accounts/portal/").content.decode()
    assert "Now group" in portal and "Morning group" not in portal


def test_a_client_no_longer_enrolled_does_not_see_later_sessions(client_profile, group):
    Enrolment.objects.filter(client=client_profile).update(ends_on=timezone.localdate())
    later = make_session(group, starts_at=timezone.now() + timedelta(days=3), title="After I left")

    assert sign_in(client_profile.user).get(f"/sessions/{later.pk}/").status_code == 404


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


# --- query counts -------------------------------------------------------------------------------


def _crowd(group, sessions: int, clients: int):
    group.capacity = 50
    group.save()
    for n in range(clients):
        profile = ClientProfileFactory(
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


# --- the session page ---------------------------------------------------------------------------


def test_the_session_page_shows_guidelines_and_a_room_link(client_profile, now_session, settings):
    settings.JITSI_BASE_URL = "https://video.example.org"
    page = sign_in(client_profile.user).get(f"/sessions/{now_session.pk}/").content.decode()

    assert "Be kind." in page
    assert f'data-room-url="https://video.example.org/{now_session.room_name}"' in page
    assert 'id="join-button"' in page


def test_the_tech_check_is_stored_and_judged(client_profile, now_session):
    browser = sign_in(client_profile.user)
    good = {"camera": "granted", "microphone": "granted", "webrtc": True, "download_mbps": 12.5}
    response = browser.post(
        f"/sessions/{now_session.pk}/tech-check/", json.dumps(good), content_type="application/json"
    )
    assert response.status_code == 201 and response.json()["passed"] is True

    bad = {"camera": "denied", "microphone": "granted", "webrtc": True, "download_mbps": 0.4}
    response = browser.post(
        f"/sessions/{now_session.pk}/tech-check/", json.dumps(bad), content_type="application/json"
    )
    assert response.json()["passed"] is False
    assert len(response.json()["problems"]) == 2

    wrong = {"camera": "maybe", "microphone": "granted", "webrtc": True}
    response = browser.post(
        f"/sessions/{now_session.pk}/tech-check/",
        json.dumps(wrong),
        content_type="application/json",
    )
    assert response.status_code == 400 and "camera" in response.json()["error"]["fields"]
    assert TechCheck.objects.filter(client=client_profile).count() == 2


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


def test_the_speed_test_sends_the_bytes_asked_for_capped(client_profile):
    browser = sign_in(client_profile.user)
    assert len(browser.get("/sessions/speedtest?bytes=1234").content) == 1234
    assert len(browser.get("/sessions/speedtest?bytes=999999999").content) == 5_000_000


def test_i_cant_connect_records_a_technical_issue_and_offers_alternatives(
    client_profile, now_session, settings
):
    settings.SESSIONS_DIAL_IN_NUMBER = "+14155550777"
    browser = sign_in(client_profile.user)

    response = browser.post(f"/sessions/{now_session.pk}/trouble/", HTTP_ACCEPT="application/json")

    assert response.json() == {"dial_in": "+14155550777"}
    assert AttendanceEvent.objects.get(session=now_session).kind == "tech_issue"
    assert Attendance.objects.get(session=now_session, client=client_profile).reported_tech_issue


def test_another_client_cannot_report_on_a_session_not_theirs(other_client_profile, now_session):
    response = sign_in(other_client_profile.user).post(f"/sessions/{now_session.pk}/trouble/")
    assert response.status_code == 404
    assert not AttendanceEvent.objects.exists()


def test_after_a_missed_session_the_client_is_offered_a_make_up(client_profile, group, other_group):
    other_group.capacity = 5
    other_group.save()
    past = make_session(
        group, starts_at=timezone.now() - timedelta(hours=3), minutes=60, title="Missed one"
    )
    target = make_session(
        other_group, starts_at=timezone.now() + timedelta(days=1), title="Make-up slot"
    )
    browser = sign_in(client_profile.user)

    assert "Ask for a make-up session" in browser.get(f"/sessions/{past.pk}/").content.decode()
    form = browser.get(f"/sessions/{past.pk}/makeup/").content.decode()
    assert "Make-up slot" in form
    response = browser.post(f"/sessions/{past.pk}/makeup/", {"target_session": target.pk})
    assert response.status_code == 302
    assert client_profile.makeup_requests.get().status == "requested"


# --- corrections ----------------------------------------------------------------------------------


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


# --- the private calendar --------------------------------------------------------------------------


def test_each_user_has_a_private_ical_feed_that_can_be_replaced(
    client, client_profile, now_session, other_session
):
    browser = sign_in(client_profile.user)
    assert browser.get("/sessions/calendar/").status_code == 200
    token = CalendarFeed.objects.get(user=client_profile.user).token

    feed = client.get(f"/sessions/ical/{token}.ics")  # no cookie
    body = feed.content.decode()
    assert feed["Content-Type"].startswith("text/calendar")
    assert body.startswith("BEGIN:VCALENDAR\r\n") and "SUMMARY:Now group" in body
    assert f"DTSTART:{now_session.starts_at.astimezone(UTC):%Y%m%dT%H%M%SZ}" in body
    assert "Morning group" not in body

    browser.post("/sessions/calendar/")
    assert client.get(f"/sessions/ical/{token}.ics").status_code == 404


def test_a_facilitators_feed_has_the_sessions_they_run(
    clinician, now_session, other_session, client
):
    sign_in(clinician).get("/staff/sessions/calendar/")
    body = client.get(
        f"/sessions/ical/{CalendarFeed.objects.get(user=clinician).token}.ics"
    ).content.decode()
    assert "Now group" in body and "Morning group" not in body


# --- the dashboard ---------------------------------------------------------------------------------


def test_the_dashboard_shows_todays_attendance_and_missed_session_outreach(
    clinician, client_profile, group
):
    from sessions_app import services

    session = make_session(
        group, starts_at=timezone.now() - timedelta(minutes=15), minutes=60, title="Today group"
    )
    with time_machine.travel(timezone.now(), tick=False):
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
