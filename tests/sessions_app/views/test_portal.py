"""Client pages (views/portal.py): scoping, session page, tech check, trouble, make-ups, iCal."""

from __future__ import annotations

import json
from datetime import UTC, timedelta

import pytest
from django.utils import timezone

from sessions_app.models import (
    Attendance,
    AttendanceEvent,
    CalendarFeed,
    Enrolment,
    TechCheck,
)
from tests.conftest import sign_in
from tests.sessions_app.conftest import make_session

pytestmark = pytest.mark.django_db


# --- scoping ---------------------------------------------------------------------------------------


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


# --- the session page ------------------------------------------------------------------------------


def test_the_session_page_shows_guidelines_and_joins_through_harbor(
    client_profile, now_session, settings
):
    settings.JITSI_BASE_URL = "https://video.example.org"
    browser = sign_in(client_profile.user)
    page = browser.get(f"/sessions/{now_session.pk}/").content.decode()

    assert "Be kind." in page
    assert 'id="join-button"' in page
    # The room's address is not on the page: joining asks for it (recordings hear the join first).
    assert now_session.room_name not in page
    assert f'data-join-url="/sessions/{now_session.pk}/join/"' in page
    joined = browser.post(f"/sessions/{now_session.pk}/join/")
    assert joined.status_code == 200
    assert joined.json()["room_url"] == f"https://video.example.org/{now_session.room_name}"


def test_joining_a_session_not_open_is_refused_in_json(client_profile, group):
    later = make_session(group, starts_at=timezone.now() + timedelta(hours=3))
    answer = sign_in(client_profile.user).post(f"/sessions/{later.pk}/join/")
    assert answer.status_code == 409
    assert answer.json()["error"]["message"] == "This session is not open to join now."


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

    assert response.json()["dial_in"] == "+14155550777"
    # Other apps add their offers (support: a ticket); tests/support/test_trouble.py has them.
    assert isinstance(response.json()["offers"], list)
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


# --- the private calendar --------------------------------------------------------------------------


def test_each_user_has_a_private_ical_feed_that_can_be_replaced(
    client, client_profile, now_session, other_session
):
    browser = sign_in(client_profile.user)
    page = browser.get("/sessions/calendar/")
    assert page.status_code == 200
    token = page.context["url"].rsplit("/", 1)[1].removesuffix(".ics")
    assert CalendarFeed.objects.filter(user=client_profile.user).exists()

    feed = client.get(f"/sessions/ical/{token}.ics")  # no cookie
    body = feed.content.decode()
    assert feed["Content-Type"].startswith("text/calendar")
    assert body.startswith("BEGIN:VCALENDAR\r\n") and "SUMMARY:Now group" in body
    assert f"DTSTART:{now_session.starts_at.astimezone(UTC):%Y%m%dT%H%M%SZ}" in body
    assert "Morning group" not in body

    browser.post("/sessions/calendar/")
    assert client.get(f"/sessions/ical/{token}.ics").status_code == 404
