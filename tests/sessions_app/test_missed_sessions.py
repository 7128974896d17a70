"""The missed-session job: time moved with time-machine, run concurrently, alerts, finalising."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.db import connections
from django.utils import timezone

from crisis.services.check_ins import check_in_submit
from iop.audit.models import AccessLog
from iop.notify.backends import locmem
from iop.notify.models import OutboundMessage, Purpose
from sessions_app import services
from sessions_app.models import (
    Attendance,
    AttendanceEvent,
    EngagementAlert,
    Enrolment,
    Presence,
    Session,
)
from tests.crisis.conftest import phq9
from tests.factories import ClientProfileFactory, UserFactory
from tests.notify.conftest import purge_queues, wait_until
from tests.sessions_app.conftest import make_session, texting

START = timezone.now().replace(microsecond=0) + timedelta(days=2)


def _join(session, client, minute: float):
    with time_machine.travel(session.starts_at + timedelta(minutes=minute), tick=False):
        services.attendance_event_record(
            actor=client.user, session=session, client=client, kind="join", source="presence"
        )


@pytest.fixture
def attendee(group):
    """A second client of the group, who does join."""
    profile = ClientProfileFactory(
        user=UserFactory(full_name="Ada Attendee"), program=group.program
    )
    Enrolment.objects.create(
        group=group, client=profile, starts_on=group.enrolments.first().starts_on
    )
    return profile


@pytest.mark.django_db
def test_after_the_grace_period_a_missing_client_gets_one_we_missed_you(
    group, client_profile, attendee, clinician
):
    texting(client_profile, clinician)
    session = make_session(group, starts_at=START)
    _join(session, attendee, 2)

    with time_machine.travel(START + timedelta(minutes=9), tick=False):
        assert services.sessions_missed_tick() == 0  # still inside the grace period
    with time_machine.travel(START + timedelta(minutes=10, seconds=1), tick=False):
        assert services.sessions_missed_tick() == 1
        assert services.sessions_missed_tick() == 0  # handled once

    session.refresh_from_db()
    assert session.missed_check_due_at is None and session.missed_checked_at is not None
    missing = Attendance.objects.get(session=session, client=client_profile)
    assert missing.status == "no_show"
    [message] = OutboundMessage.objects.filter(purpose=Purpose.OUTREACH)
    assert missing.outreach_message == message
    assert message.idempotency_key == f"missed:{session.pk}:{client_profile.pk}"
    assert message.channel == "sms" and message.to == client_profile.user.phone
    assert f"https://harbor.example.org/sessions/{session.pk}/" in message.body
    assert Attendance.objects.get(session=session, client=attendee).status == "present"
    assert not EngagementAlert.objects.exists()  # one miss, no high risk


@pytest.mark.django_db
def test_without_a_phone_or_sms_consent_the_outreach_is_an_email(group, client_profile):
    make_session(group, starts_at=START)

    with time_machine.travel(START + timedelta(minutes=11), tick=False):
        services.sessions_missed_tick()

    [message] = OutboundMessage.objects.filter(purpose=Purpose.OUTREACH)
    assert message.channel == "email" and message.to == client_profile.user.email


@pytest.mark.django_db
def test_a_client_who_reported_a_technical_issue_is_not_told_we_missed_them(group, client_profile):
    session = make_session(group, starts_at=START)
    with time_machine.travel(START + timedelta(minutes=3), tick=False):
        services.trouble_report(actor=client_profile.user, session=session, client=client_profile)

    with time_machine.travel(START + timedelta(minutes=11), tick=False):
        assert services.sessions_missed_tick() == 1

    assert not OutboundMessage.objects.filter(purpose=Purpose.OUTREACH).exists()
    assert (
        Attendance.objects.get(session=session, client=client_profile).status == "technical_issue"
    )


@pytest.mark.django_db(transaction=True)
def test_two_ticks_at_once_handle_each_session_once_and_each_outreach_is_sent_once(
    group, client_profile, clinician, run_worker
) -> None:
    texting(client_profile, clinician)
    sessions = [
        make_session(
            group, starts_at=START + timedelta(hours=2 * i), minutes=60, title=f"Group {i}"
        )
        for i in range(6)
    ]
    barrier = threading.Barrier(2)
    handled: list[int] = []

    def tick() -> None:
        try:
            barrier.wait(timeout=10)
            handled.append(services.sessions_missed_tick(batch=4))
        finally:
            connections.close_all()

    with time_machine.travel(START + timedelta(hours=11, minutes=30), tick=False):
        threads = [threading.Thread(target=tick) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        # Whatever the two left (each claims at most 4), a third tick finishes; a fourth finds none.
        handled.append(services.sessions_missed_tick(batch=4))
        handled.append(services.sessions_missed_tick(batch=4))

    assert sum(handled) == 6 and handled[-1] == 0
    messages = list(OutboundMessage.objects.filter(purpose=Purpose.OUTREACH))
    assert sorted(m.idempotency_key for m in messages) == sorted(
        f"missed:{s.pk}:{client_profile.pk}" for s in sessions
    )

    with run_worker():
        # Dispatch was published on commit; the worker sends each message exactly once.
        assert wait_until(lambda: len(locmem.outbox) >= 6)
        for message in messages:  # a late duplicate dispatch does nothing
            services_dispatch_again(message)
    assert len(locmem.outbox) == 6
    assert sorted(s.idempotency_key for s in locmem.outbox) == sorted(
        m.idempotency_key for m in messages
    )


def services_dispatch_again(message):
    from iop.notify.services import message_dispatch

    assert message_dispatch(message_id=message.pk, claim=None) == "skipped"


@pytest.fixture
def run_worker(transactional_db):
    from celery.contrib.testing.worker import start_worker

    from iop.celery import app

    purge_queues()

    def running():
        return start_worker(
            app,
            pool="solo",
            perform_ping_check=False,
            queues=["notify", "default"],
            shutdown_timeout=30,
        )

    yield running
    purge_queues()


@pytest.mark.django_db
def test_two_no_shows_in_a_row_raise_an_engagement_alert_to_the_care_team(
    group, client_profile, clinician
):
    first = make_session(group, starts_at=START)
    second = make_session(group, starts_at=START + timedelta(days=2))
    with time_machine.travel(first.ends_at + timedelta(minutes=6), tick=False):
        services.sessions_missed_tick()
        services.sessions_finalise_tick()
    assert not EngagementAlert.objects.exists()

    with time_machine.travel(second.starts_at + timedelta(minutes=10), tick=False):
        services.sessions_missed_tick()

    [alert] = EngagementAlert.objects.all()
    assert (alert.client, alert.session, alert.reason) == (
        client_profile,
        second,
        "consecutive_no_shows",
    )
    with time_machine.travel(second.starts_at + timedelta(minutes=11), tick=False):
        services.engagement_check(second, client_profile, now=timezone.now())
    assert EngagementAlert.objects.count() == 1  # once per client and session


@pytest.mark.django_db
def test_an_attended_session_in_between_means_no_alert(group, client_profile):
    first = make_session(group, starts_at=START)
    middle = make_session(group, starts_at=START + timedelta(days=1))
    last = make_session(group, starts_at=START + timedelta(days=2))
    with time_machine.travel(first.starts_at + timedelta(minutes=10), tick=False):
        services.sessions_missed_tick()
    _join(middle, client_profile, 1)
    with time_machine.travel(last.starts_at + timedelta(minutes=10), tick=False):
        services.sessions_missed_tick()

    assert not EngagementAlert.objects.exists()


@pytest.mark.django_db
def test_one_no_show_after_a_high_risk_check_in_raises_an_alert(group, client_profile):
    session = make_session(group, starts_at=START)
    with time_machine.travel(START - timedelta(days=1), tick=False):
        check_in = check_in_submit(
            actor=client_profile.user,
            client=client_profile,
            instrument="phq9",
            answers=phq9(6, item9=1),  # any thought of self-harm is high risk
        )
    assert check_in.risk == "high"
    with time_machine.travel(START + timedelta(minutes=10), tick=False):
        services.sessions_missed_tick()

    [alert] = EngagementAlert.objects.all()
    assert alert.reason == "high_risk_no_show" and alert.session == session


@pytest.mark.django_db
def test_a_later_low_risk_check_in_means_no_high_risk_alert(group, client_profile):
    session = make_session(group, starts_at=START)
    for days, answers in ((3, phq9(6, item9=1)), (1, phq9(2))):
        with time_machine.travel(START - timedelta(days=days), tick=False):
            check_in_submit(
                actor=client_profile.user,
                client=client_profile,
                instrument="phq9",
                answers=answers,
            )
    with time_machine.travel(START + timedelta(minutes=10), tick=False):
        services.sessions_missed_tick()

    assert Attendance.objects.get(session=session, client=client_profile).status == "no_show"
    assert not EngagementAlert.objects.exists()


@pytest.mark.django_db
def test_finalising_fixes_every_expected_clients_attendance(group, client_profile, attendee):
    session = make_session(group, starts_at=START, minutes=60)
    _join(session, attendee, 0)  # and still in the room at the end

    with time_machine.travel(session.ends_at + timedelta(minutes=4), tick=False):
        assert services.sessions_finalise_tick() == 0
    with time_machine.travel(session.ends_at + timedelta(minutes=5), tick=False):
        assert services.sessions_finalise_tick() == 1

    rows = {a.client_id: a for a in Attendance.objects.filter(session=session)}
    assert rows[attendee.pk].status == "present" and rows[attendee.pk].minutes_attended == 60
    assert rows[client_profile.pk].status == "no_show"
    assert all(a.is_final and not a.in_room for a in rows.values())
    assert not Presence.objects.filter(session=session, in_room=True).exists()
    session.refresh_from_db()
    assert session.finalise_due_at is None and session.finalised_at is not None


@pytest.mark.django_db
def test_a_page_that_stops_sending_heartbeats_is_a_disconnect_at_its_last_heartbeat(
    group, client_profile, settings
):
    session = make_session(group, starts_at=START)
    _join(session, client_profile, 1)
    with time_machine.travel(START + timedelta(minutes=5), tick=False):
        assert services.presence_heartbeat(session_id=session.pk, client_id=client_profile.pk)

    with time_machine.travel(
        START + timedelta(minutes=5, seconds=settings.SESSIONS_PRESENCE_TIMEOUT_SECONDS - 1),
        tick=False,
    ):
        assert services.presence_sweep() == 0
    with time_machine.travel(START + timedelta(minutes=6), tick=False):
        assert services.presence_sweep() == 1
        assert services.presence_sweep() == 0

    last = AttendanceEvent.objects.filter(session=session).order_by("-at").first()
    assert (last.kind, last.source, last.at) == (
        "disconnect",
        "system",
        START + timedelta(minutes=5),
    )
    attendance = Attendance.objects.get(session=session, client=client_profile)
    assert attendance.in_room is False and attendance.minutes_attended == 4


@pytest.mark.django_db
def test_a_cancelled_session_is_never_claimed(group, client_profile, clinician):
    session = make_session(group, starts_at=START)
    services.session_cancel(actor=clinician, session=session, reason="Snow")

    with time_machine.travel(START + timedelta(hours=3), tick=False):
        assert services.sessions_missed_tick() == 0
        assert services.sessions_finalise_tick() == 0
    assert not Attendance.objects.exists()
    assert Session.objects.get(pk=session.pk).status == "cancelled"


@pytest.mark.django_db
def test_a_join_reported_by_the_video_provider_is_not_dropped_for_lack_of_heartbeats(
    group, client_profile
):
    session = make_session(group, starts_at=START)
    with time_machine.travel(START + timedelta(minutes=1), tick=False):
        services.attendance_event_record(
            actor=None, session=session, client=client_profile, kind="join", source="webhook"
        )

    with time_machine.travel(START + timedelta(minutes=30), tick=False):
        assert services.presence_sweep() == 0
    attendance = Attendance.objects.get(session=session, client=client_profile)
    assert attendance.status == "present" and attendance.in_room


@pytest.mark.django_db
def test_a_tick_with_five_no_shows_takes_a_fixed_number_of_queries(
    group, client_profile, clinician, django_assert_num_queries
):
    """Claim, roll call (consent and risk included), then one insert each for the outbox,
    attendance and audit: no query per no-show (it was 44 for five)."""
    texting(client_profile, clinician)
    for n in range(4):
        profile = ClientProfileFactory(
            user=UserFactory(full_name=f"Absent {n}"), program=group.program
        )
        Enrolment.objects.create(
            group=group, client=profile, starts_on=group.enrolments.first().starts_on
        )
    session = make_session(group, starts_at=START)
    ContentType.objects.get_for_model(session)  # cached for the life of a worker
    # The tick's and the session's savepoints, claim, roll call, the outbox insert in its own
    # savepoint, attendance, audit, then the facilitators' live-event audit (select, insert).
    with (
        time_machine.travel(START + timedelta(minutes=11), tick=False),
        django_assert_num_queries(13),
    ):
        assert services.sessions_missed_tick() == 1
    rows = Attendance.objects.filter(session=session)
    assert len(rows) == 5 and all(r.outreach_message_id and r.status == "no_show" for r in rows)
    channels = sorted(
        OutboundMessage.objects.filter(purpose=Purpose.OUTREACH).values_list("channel", flat=True)
    )
    assert channels == ["email"] * 4 + ["sms"]  # only the one who agreed to texts gets one
    # The facilitator was shown each no-show live: one audit row per client, written in one go.
    shown = AccessLog.objects.filter(object_type="realtime.live_event", object_id="session.missed")
    assert sorted(shown.values_list("actor_id", flat=True)) == [clinician.pk] * 5
    assert set(shown.values_list("client_id", flat=True)) == {r.client_id for r in rows}
