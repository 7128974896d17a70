"""Every read of health information is audited: the staff session list, the sessions API,
the iCal feed, the crisis banner, and the admin pages of attendance, make-ups, tech checks,
engagement alerts and messages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from crisis.models import CrisisEvent, CrisisSource
from crisis.services import crisis_open
from iop.audit.models import AccessLog
from iop.notify.models import Channel, OutboundMessage, Purpose
from sessions_app.models import (
    AlertReason,
    Attendance,
    EngagementAlert,
    MakeUpRequest,
    MakeUpStatus,
    Session,
    SessionKind,
    TechCheck,
)
from sessions_app.services import calendar_feed_regenerate
from tests.api.conftest import key_client, make_key  # noqa: F401 (fixture)
from tests.conftest import sign_in
from tests.sessions_app.conftest import group, make_session  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def viewed(actor, client, object_type: str | None = None, **extra) -> bool:
    rows = AccessLog.objects.filter(action="view", client=client, **extra)
    if actor is not None:
        rows = rows.filter(actor=actor)
    if object_type is not None:
        rows = rows.filter(object_type=object_type)
    return rows.exists()


@pytest.fixture
def session(group):  # noqa: F811
    return make_session(group, starts_at=timezone.now() + timedelta(hours=3))


@pytest.fixture
def individual(program, clinician, client_profile):
    start = timezone.now() + timedelta(days=1)
    return Session.objects.create(
        program=program,
        client=client_profile,
        kind=SessionKind.INDIVIDUAL,
        title="Individual therapy",
        facilitator=clinician,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        local_date=timezone.localdate(start),
    )


def test_the_staff_session_list_records_each_expected_client(
    clinician, client_profile, other_client_profile, session
):
    response = sign_in(clinician).get("/staff/sessions/")

    assert response.status_code == 200
    assert viewed(clinician, client_profile, "sessions.Session list", channel="staff")
    assert not AccessLog.objects.filter(client=other_client_profile).exists()


def test_the_sessions_api_list_and_detail_are_audited(
    make_key,  # noqa: F811 (the fixture of tests/api/conftest.py)
    client_profile,
    individual,
    session,
):
    _, token = make_key(scopes=["sessions:read"])
    api = key_client(token)

    assert api.get("/api/v1/sessions/").status_code == 200
    assert AccessLog.objects.filter(
        client=client_profile, object_type="sessions.Session", channel="api"
    ).exists()
    before = AccessLog.objects.count()
    assert api.get(f"/api/v1/sessions/{individual.pk}/").status_code == 200
    assert AccessLog.objects.count() == before + 1
    assert AccessLog.objects.latest("id").client == client_profile


def test_a_client_reading_their_sessions_over_the_api_is_audited(client_profile, session):
    response = sign_in(client_profile.user).get(f"/api/v1/sessions/{session.pk}/")

    assert response.status_code == 200
    assert viewed(client_profile.user, client_profile, "sessions.Session")


def test_fetching_the_ical_feed_is_audited(client_profile, session):
    from sessions_app.selectors import calendar_feed_by_token

    feed, token = calendar_feed_regenerate(actor=client_profile.user)
    assert calendar_feed_by_token(token) == feed

    response = sign_in(client_profile.user).get(f"/sessions/ical/{token}.ics")

    assert response.status_code == 200
    assert viewed(client_profile.user, client_profile, "sessions.ical")


def test_the_crisis_banner_records_the_events_it_shows(clinician, client_profile):
    event, _ = crisis_open(
        actor=client_profile.user, client=client_profile, source=CrisisSource.HELP_BUTTON
    )
    CrisisEvent.objects.filter(pk=event.pk).update(notified_user_ids=[clinician.pk])

    response = sign_in(clinician).get("/staff/sessions/")

    assert response.status_code == 200
    assert f'data-event-id="{event.pk}"' in response.content.decode()
    assert AccessLog.objects.filter(
        actor=clinician,
        action="view",
        client=client_profile,
        object_type="crisis.CrisisEvent",
        object_id=str(event.pk),
    ).exists()


@pytest.fixture
def admin_rows(session, client_profile, clinician):
    attendance = Attendance.objects.create(
        session=session,
        client=client_profile,
        session_starts_at=session.starts_at,
        derived_status="present",
    )
    check = TechCheck.objects.create(
        client=client_profile, camera="granted", microphone="granted", webrtc=True, passed=True
    )
    makeup = MakeUpRequest.objects.create(
        client=client_profile,
        missed_session=session,
        target_session=session,
        status=MakeUpStatus.REQUESTED,
        requested_by=client_profile.user,
    )
    alert = EngagementAlert.objects.create(
        client=client_profile, session=session, reason=AlertReason.values[0]
    )
    message = OutboundMessage.objects.create(
        idempotency_key="audit-test",
        channel=Channel.SMS,
        purpose=Purpose.values[0],
        to="+14155550123",
        client=client_profile,
        next_attempt_at=timezone.now(),
    )
    return {
        "sessions_app/attendance": attendance,
        "sessions_app/techcheck": check,
        "sessions_app/makeuprequest": makeup,
        "sessions_app/engagementalert": alert,
        "notify/outboundmessage": message,
    }


@pytest.mark.parametrize(
    "path",
    [
        "sessions_app/attendance",
        "sessions_app/techcheck",
        "sessions_app/makeuprequest",
        "sessions_app/engagementalert",
        "notify/outboundmessage",
    ],
)
def test_admin_lists_and_detail_pages_of_health_information_are_audited(
    path, admin_user, client_profile, admin_rows
):
    browser = sign_in(admin_user)
    row = admin_rows[path]
    label = row._meta.label

    assert browser.get(f"/admin/{path}/").status_code == 200
    assert viewed(admin_user, client_profile, f"admin list {label}", channel="admin")

    assert browser.get(f"/admin/{path}/{row.pk}/change/").status_code == 200
    assert viewed(admin_user, client_profile, label, object_id=str(row.pk))


def test_the_admin_inbound_message_list_is_audited(admin_user, client_profile):
    from iop.notify.models import InboundMessage

    message = InboundMessage.objects.create(
        channel=Channel.SMS,
        provider_id="SM1",
        from_number="+14155550123",
        to_number="+14155550100",
        client=client_profile,
    )
    browser = sign_in(admin_user)

    assert browser.get("/admin/notify/inboundmessage/").status_code == 200
    assert browser.get(f"/admin/notify/inboundmessage/{message.pk}/change/").status_code == 200
    assert viewed(admin_user, client_profile, "admin list notify.InboundMessage")
    assert viewed(admin_user, client_profile, "notify.InboundMessage")
