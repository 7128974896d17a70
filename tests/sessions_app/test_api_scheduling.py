"""Scheduling over the API: an integrator creates series and sessions, moves and cancels them,
through the same services as the staff pages, so clients get the same reminders and notices."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from iop.api.models import Scope
from iop.api.services import api_key_create
from iop.audit.models import AccessLog, Action
from iop.notify.models import OutboundMessage, Purpose, Status
from sessions_app.models import Session, SessionReminder, SessionSeries, SessionStatus
from sessions_app.services import reminders_schedule
from tests.api.conftest import key_client
from tests.conftest import sign_in
from tests.sessions_app.conftest import make_session, texting

pytestmark = pytest.mark.django_db
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def make_key(program, admin_user):
    def make(*, scopes=None, key_program=None):
        _, token = api_key_create(
            actor=admin_user,
            name="Scheduler",
            program=key_program or program,
            scopes=list(Scope.values) if scopes is None else scopes,
            expires_at=timezone.now() + timedelta(days=30),
        )
        return token

    return make


@pytest.fixture
def key(make_key):
    return key_client(make_key())


def _local(days: int, hour: int) -> datetime:
    day = timezone.now().astimezone(NEW_YORK).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, tzinfo=NEW_YORK)


def _series_body(group, clinician, /, **changes) -> dict:
    body = {
        "kind": "group",
        "title": "Evening skills group",
        "facilitator": clinician.pk,
        "group": group.pk,
        "rule": "FREQ=WEEKLY;BYDAY=MO,WE",
        "starts_on": (timezone.now().date() + timedelta(days=1)).isoformat(),
        "start_time": "18:00",
        "duration_minutes": 90,
    }
    return {**body, **changes}


def test_a_key_creates_a_series_with_its_sessions_and_reminders(
    key, group, clinician, client_profile
):
    texting(client_profile, clinician)
    response = key.post(
        "/api/v1/series/", _series_body(group, clinician), content_type="application/json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    series = SessionSeries.objects.get(pk=body["id"])
    assert body["rule"] == "FREQ=WEEKLY;BYDAY=MO,WE" and body["group"] == group.pk
    assert series.created_by is not None  # the admin who issued the key answers for it
    sessions = Session.objects.filter(series=series)
    assert sessions.count() >= 8  # two a week over the horizon
    assert all(s.starts_at.astimezone(NEW_YORK).hour == 18 for s in sessions)
    listed = key.get(f"/api/v1/sessions/?series={series.pk}").json()
    assert {row["id"] for row in listed["results"]} == set(sessions.values_list("pk", flat=True))
    assert AccessLog.objects.filter(
        action=Action.CREATE, object_type="sessions_app.SessionSeries", object_id=str(series.pk)
    ).exists()
    # Sessions inside the reminder window got their reminders, as from the admin.
    soon = sessions.filter(starts_at__lte=timezone.now() + timedelta(hours=48))
    for session in soon:
        assert SessionReminder.objects.filter(session=session, client=client_profile).exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"rule": "FREQ=SOMETIMES"}, "rule"),
        ({"duration_minutes": "90"}, "duration_minutes"),
        ({"duration_minutes": 90.5}, "duration_minutes"),
        ({"duration_minutes": 2}, "duration_minutes"),
        ({"kind": "individual"}, "client"),
        ({"title": "  "}, "title"),
        ({"start_time": "25:00"}, "start_time"),
        ({"group": 2**40}, "group"),
        ({"ends_on": "2001-01-01"}, "ends_on"),
    ],
)
def test_bad_series_input_is_a_400_naming_the_field_and_saves_nothing(
    key, group, clinician, changes, field
):
    response = key.post(
        "/api/v1/series/",
        _series_body(group, clinician, **changes),
        content_type="application/json",
    )

    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"], response.json()
    assert not SessionSeries.objects.exists() and not Session.objects.exists()


def test_another_programs_facilitator_or_group_reads_as_unknown(
    key, group, clinician, other_supervisor
):
    response = key.post(
        "/api/v1/series/",
        _series_body(group, clinician, facilitator=other_supervisor.pk),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "facilitator": ["No such clinician is visible to you."]
    }
    assert other_supervisor.full_name not in response.content.decode()


def test_a_clashing_series_is_refused_whole_naming_the_facilitator(key, group, clinician):
    make_session(group, starts_at=_local(2, 18) + timedelta(minutes=30))
    body = _series_body(group, clinician, rule="FREQ=DAILY")

    response = key.post("/api/v1/series/", body, content_type="application/json")

    assert response.status_code == 400
    assert "facilitator" in response.json()["error"]["fields"]
    assert not SessionSeries.objects.exists()


def test_a_client_and_a_support_agent_cannot_schedule(client_profile, support_agent, group):
    for person in (client_profile.user, support_agent):
        response = sign_in(person).post("/api/v1/series/", {}, content_type="application/json")
        assert response.status_code == 403, person
        assert response.json()["error"]["message"] == "You cannot schedule sessions."


def test_a_clinician_cannot_schedule_a_group_they_do_not_run(other_clinician, group, clinician):
    browser = sign_in(other_clinician)

    response = browser.post(
        "/api/v1/series/", _series_body(group, clinician), content_type="application/json"
    )

    # They do not see the group at all, so it reads as unknown (not as someone else's).
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"group": ["No such group is visible to you."]}
    assert not SessionSeries.objects.exists()


def test_a_single_session_is_created_with_an_offset_and_a_naive_time_is_refused(
    key, group, clinician
):
    start = _local(3, 10)
    body = {
        "kind": "group",
        "title": "Extra session",
        "facilitator": clinician.pk,
        "group": group.pk,
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(),
    }

    naive = key.post(
        "/api/v1/sessions/",
        {**body, "starts_at": start.replace(tzinfo=None).isoformat()},
        content_type="application/json",
    )
    assert naive.status_code == 400
    assert "UTC offset" in naive.json()["error"]["fields"]["starts_at"][0]

    made = key.post("/api/v1/sessions/", body, content_type="application/json")
    assert made.status_code == 201, made.content
    session = Session.objects.get(pk=made.json()["id"])
    assert session.starts_at == start and session.series_id is None


def test_patch_moves_one_session_and_tells_its_clients(key, group, clinician, client_profile):
    texting(client_profile, clinician)
    session = make_session(group, starts_at=timezone.now() + timedelta(hours=20))
    new_start = _local(2, 15)

    response = key.patch(
        f"/api/v1/sessions/{session.pk}/",
        {
            "starts_at": new_start.isoformat(),
            "ends_at": (new_start + timedelta(hours=1)).isoformat(),
        },
        content_type="application/json",
    )

    assert response.status_code == 200, response.content
    session.refresh_from_db()
    assert session.starts_at == new_start and response.json()["starts_at"] is not None
    moved = OutboundMessage.objects.filter(idempotency_key__startswith=f"moved:{session.pk}:")
    assert moved.filter(channel="sms", client=client_profile).exists()


def test_patch_needs_both_times_and_a_future_start(key, group):
    session = make_session(group, starts_at=timezone.now() + timedelta(days=2))
    before = session.starts_at

    missing = key.patch(f"/api/v1/sessions/{session.pk}/", {}, content_type="application/json")
    past = key.patch(
        f"/api/v1/sessions/{session.pk}/",
        {
            "starts_at": (timezone.now() - timedelta(hours=2)).isoformat(),
            "ends_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        },
        content_type="application/json",
    )

    assert set(missing.json()["error"]["fields"]) == {"starts_at", "ends_at"}
    assert past.status_code == 400 and "starts_at" in past.json()["error"]["fields"]
    session.refresh_from_db()
    assert session.starts_at == before


def test_put_is_not_offered(key, group):
    session = make_session(group, starts_at=timezone.now() + timedelta(days=2))

    response = key.put(f"/api/v1/sessions/{session.pk}/", {}, content_type="application/json")

    assert response.status_code == 405


def test_cancel_one_withdraws_reminders_and_tells_clients(key, group, clinician, client_profile):
    texting(client_profile, clinician)
    session = make_session(group, starts_at=timezone.now() + timedelta(hours=20))
    assert reminders_schedule(session) > 0

    response = key.post(
        f"/api/v1/sessions/{session.pk}/cancel/",
        {"reason": "The facilitator is ill."},
        content_type="application/json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["cancelled"] == 1
    assert response.json()["session"]["status"] == SessionStatus.CANCELLED
    reminders = OutboundMessage.objects.filter(
        pk__in=SessionReminder.objects.filter(session=session).values("message_id")
    )
    assert reminders.exists() and not reminders.filter(status=Status.QUEUED).exists()
    notice = OutboundMessage.objects.get(
        idempotency_key__startswith=f"cancelled:{session.pk}:", channel="sms"
    )
    assert notice.purpose == Purpose.REMINDER and notice.client == client_profile

    again = key.post(f"/api/v1/sessions/{session.pk}/cancel/", {}, content_type="application/json")
    assert again.status_code == 409


def test_cancel_following_ends_the_series(key, group, clinician):
    made = key.post(
        "/api/v1/series/",
        _series_body(group, clinician, rule="FREQ=DAILY"),
        content_type="application/json",
    ).json()
    sessions = list(Session.objects.filter(series_id=made["id"]).order_by("starts_at"))
    third = sessions[2]

    response = key.post(
        f"/api/v1/sessions/{third.pk}/cancel/",
        {"scope": "following", "reason": "Group ends early"},
        content_type="application/json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["cancelled"] == len(sessions) - 2
    statuses = list(
        Session.objects.filter(series_id=made["id"])
        .order_by("starts_at")
        .values_list("status", flat=True)
    )
    assert statuses[:2] == [SessionStatus.SCHEDULED] * 2
    assert set(statuses[2:]) == {SessionStatus.CANCELLED}
    assert SessionSeries.objects.get(pk=made["id"]).ends_on < third.local_date


def test_cancel_following_of_a_session_outside_a_series_names_the_session(key, group):
    session = make_session(group, starts_at=timezone.now() + timedelta(days=2))

    response = key.post(
        f"/api/v1/sessions/{session.pk}/cancel/",
        {"scope": "following"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "session" in response.json()["error"]["fields"]


def test_reschedule_following_moves_the_rest_of_the_series(key, group, clinician):
    made = key.post(
        "/api/v1/series/", _series_body(group, clinician), content_type="application/json"
    ).json()
    first = Session.objects.filter(series_id=made["id"]).order_by("starts_at").first()

    response = key.post(
        f"/api/v1/sessions/{first.pk}/reschedule-following/",
        {"start_time": "17:30", "duration_minutes": 60},
        content_type="application/json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["start_time"] == "17:30:00"
    later = Session.objects.filter(series_id=made["id"], status=SessionStatus.SCHEDULED)
    assert later.exists()
    for session in later:
        local = session.starts_at.astimezone(NEW_YORK)
        assert (local.hour, local.minute) == (17, 30)
        assert session.ends_at - session.starts_at == timedelta(minutes=60)


def test_a_client_may_read_but_not_change_their_session(client_profile, group):
    session = make_session(group, starts_at=timezone.now() + timedelta(days=2))
    browser = sign_in(client_profile.user)

    assert browser.get(f"/api/v1/sessions/{session.pk}/").status_code == 200
    refused = browser.post(f"/api/v1/sessions/{session.pk}/cancel/", {}, "application/json")
    assert refused.status_code == 403
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED


def test_another_programs_key_and_a_read_key_cannot_touch_our_sessions(
    make_key, other_program, group
):
    session = make_session(group, starts_at=timezone.now() + timedelta(days=2))
    far = key_client(make_key(key_program=other_program))
    reader = key_client(make_key(scopes=[Scope.SESSIONS_READ]))

    assert far.post(f"/api/v1/sessions/{session.pk}/cancel/").status_code == 404
    refused = reader.post(f"/api/v1/sessions/{session.pk}/cancel/")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "insufficient_scope"
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED
