"""Apps above sessions hear attendance results after they commit, never before, and a listener
that fails loses nothing (recordings offers a catch-up recording through this)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from sessions_app.models import AttendanceStatus
from sessions_app.services import (
    attendance_listener_register,
    attendance_listener_unregister,
    session_finalise,
    trouble_report,
)
from tests.sessions_app.conftest import make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    calls: list[tuple[int, int, str]] = []

    def listener(*, session, client_id, status):
        calls.append((session.pk, client_id, status))

    def broken(**_):
        raise RuntimeError("a listener that fails")

    attendance_listener_register("test-broken", broken)
    attendance_listener_register("test", listener)
    try:
        yield calls
    finally:
        attendance_listener_unregister("test")
        attendance_listener_unregister("test-broken")


def test_listeners_hear_a_technical_issue_after_commit(
    heard, group, client_profile, django_capture_on_commit_callbacks
):
    session = make_session(group, starts_at=timezone.now() - timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        trouble_report(actor=client_profile.user, session=session, client=client_profile)
    assert heard == []  # not before commit
    for callback in callbacks:
        callback()
    assert heard == [(session.pk, client_profile.pk, AttendanceStatus.TECHNICAL_ISSUE)]


def test_listeners_hear_every_result_when_a_session_is_finalised(
    heard, group, client_profile, django_capture_on_commit_callbacks
):
    session = make_session(group, starts_at=timezone.now() - timedelta(hours=2), minutes=60)
    with (
        time_machine.travel(session.ends_at + timedelta(minutes=10), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        session_finalise(session=session)
    assert heard == [(session.pk, client_profile.pk, AttendanceStatus.NO_SHOW)]
