"""Reminders 24 h and 1 h before, through the outbox: cancelled and moved with their session."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from iop.notify.backends import locmem
from iop.notify.models import OutboundMessage, Purpose, Status
from iop.notify.services import message_dispatch, message_sweep
from sessions_app import services
from sessions_app.models import SessionReminder
from tests.sessions_app.conftest import make_session, texting

NEW_YORK = ZoneInfo("America/New_York")
# Next June (EDT), after the consents the fixtures record today.
START = datetime(datetime.now().year + 1, 6, 10, 18, tzinfo=NEW_YORK)
pytestmark = pytest.mark.django_db


def _reminders(**filters):
    return OutboundMessage.objects.filter(purpose=Purpose.REMINDER, **filters).order_by(
        "next_attempt_at", "channel"
    )


def _send_due() -> None:
    """What the sweep and a worker do: every due row is dispatched (here, in this thread)."""
    message_sweep()
    for message in OutboundMessage.objects.filter(status=Status.QUEUED, claim__isnull=False):
        message_dispatch(message_id=message.pk, claim=str(message.claim))


def test_the_pipeline_queues_sends_and_a_cancellation_withdraws(group, client_profile, clinician):
    texting(client_profile, clinician)
    with time_machine.travel(START - timedelta(days=5), tick=False):
        session = make_session(group, starts_at=START)
        assert services.reminders_schedule(session) == 0  # outside the 48 h window yet

    with time_machine.travel(START - timedelta(hours=30), tick=False):
        assert services.reminders_schedule_upcoming() == 4  # sms + email, 24 h + 1 h
        assert services.reminders_schedule_upcoming() == 0  # idempotent
    queued = list(_reminders())
    assert {(m.channel, m.next_attempt_at) for m in queued} == {
        (channel, START - offset)
        for channel in ("sms", "email")
        for offset in (timedelta(hours=24), timedelta(hours=1))
    }
    assert all(m.expires_at == START and m.status == Status.QUEUED for m in queued)
    keys = {m.idempotency_key for m in queued}
    epoch = int(START.timestamp())
    assert f"reminder:{session.pk}:{client_profile.pk}:1440:{epoch}:sms:r0" in keys

    with time_machine.travel(START - timedelta(hours=24), tick=False):
        _send_due()
    assert [s.body for s in locmem.outbox] and "reminder" in locmem.outbox[0].body
    assert "6:00 PM EDT" in locmem.outbox[0].body  # the client's own time zone
    assert len(mail.outbox) == 1

    with time_machine.travel(START - timedelta(hours=3), tick=False):
        services.session_cancel(actor=clinician, session=session, reason="The facilitator is ill.")
    hour_before = list(_reminders(next_attempt_at=START - timedelta(hours=1)))
    assert {(m.status, m.error_code) for m in hour_before} == {(Status.FAILED, "cancelled")}
    with time_machine.travel(START - timedelta(minutes=59), tick=False):
        _send_due()
    # Nothing more: only the day-before reminders went, plus the cancellation notice.
    bodies = [s.body for s in locmem.outbox]
    assert len([b for b in bodies if "reminder" in b]) == 1
    assert any("is cancelled" in b and "The facilitator is ill." in b for b in bodies)


def test_a_moved_session_moves_its_reminders(group, client_profile, clinician):
    with time_machine.travel(START - timedelta(hours=40), tick=False):
        session = make_session(group, starts_at=START)
        services.reminders_schedule(session)
        old = set(_reminders().values_list("pk", flat=True))
        assert len(old) == 2  # email only: no phone

        later = START + timedelta(hours=2)
        services.session_reschedule(
            actor=clinician, session=session, starts_at=later, ends_at=later + timedelta(hours=1)
        )

    assert (
        set(_reminders(status=Status.FAILED, error_code="cancelled").values_list("pk", flat=True))
        == old
    )
    fresh = list(_reminders(status=Status.QUEUED).exclude(idempotency_key__startswith="moved:"))
    assert {m.next_attempt_at for m in fresh} == {
        later - timedelta(hours=24),
        later - timedelta(hours=1),
    }
    assert all(m.idempotency_key.endswith(":r1") for m in fresh)
    assert SessionReminder.objects.filter(session=session, revision=1).count() == 2
    assert _reminders(idempotency_key__startswith="moved:").count() == 1  # the client is told


def test_a_client_who_turns_texts_off_gets_no_text_reminders(group, client_profile, clinician):
    texting(client_profile, clinician)
    with time_machine.travel(START - timedelta(hours=40), tick=False):
        session = make_session(group, starts_at=START)
        services.reminders_schedule(session)
        services.reminder_preference_set(
            actor=client_profile.user, client=client_profile, by_sms=False, by_email=True
        )

    assert {(m.channel, m.status) for m in _reminders()} == {
        ("sms", Status.FAILED),
        ("email", Status.QUEUED),
    }
    with time_machine.travel(START - timedelta(hours=30), tick=False):
        services.reminders_schedule_upcoming()
    assert _reminders(channel="sms", status=Status.QUEUED).count() == 0


def test_quiet_hours_hold_a_text_reminder_until_morning(group, client_profile, clinician, settings):
    settings.NOTIFY_QUIET_START, settings.NOTIFY_QUIET_END = 21, 8
    texting(client_profile, clinician)
    early = datetime(START.year, 6, 11, 7, 30, tzinfo=NEW_YORK)  # its 1 h reminder falls at 6:30 am
    with time_machine.travel(early - timedelta(hours=3), tick=False):
        session = make_session(group, starts_at=early)
        services.reminders_schedule(session)

    with time_machine.travel(early - timedelta(hours=1), tick=False):
        _send_due()
    sms = _reminders(channel="sms").get()
    assert sms.status == Status.QUEUED and "Quiet hours" in sms.hold_reason
    assert locmem.outbox == []
