"""A client below the weekly minimum from the program's check day raises one engagement alert
per week to the care team; clients at or above the minimum raise none."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine

from iop.accounts.models import Role
from iop.audit.models import AccessLog, Action
from records.models import HoursCheck, RecordSettings, Weekday
from records.services import hours_check_tick, record_settings_update
from sessions_app.models import AlertReason, EngagementAlert
from tests.records.hours_setup import attended, local

pytestmark = pytest.mark.django_db

# Week of Monday 30 November 2026; the program checks from Wednesday 2 December (the default).
MONDAY = date(2026, 11, 30)


@pytest.fixture
def week(program, client_profile, other_client_profile):
    RecordSettings.objects.create(program=program, weekly_minimum_hours=Decimal("3.0"))
    attended(client_profile, local(2026, 11, 30, 10), 120)  # 2 of 3 hours: below
    attended(other_client_profile, local(2026, 11, 30, 10), 180)  # exactly 3: at the minimum
    return program


def _alerts():
    return list(EngagementAlert.objects.filter(reason=AlertReason.BELOW_WEEKLY_MINIMUM))


def test_no_alert_before_the_check_day(week):
    with time_machine.travel(local(2026, 12, 1, 23, 59), tick=False):
        assert hours_check_tick() == 0
    assert _alerts() == []
    timer = HoursCheck.objects.get(program=week)
    assert timer.due_at == local(2026, 12, 2, 0, 0)  # Wednesday, program midnight


def test_from_the_check_day_a_client_below_the_minimum_raises_one_alert(
    week, client_profile, clinician
):
    with time_machine.travel(local(2026, 12, 1, 12), tick=False):
        hours_check_tick()
    with time_machine.travel(local(2026, 12, 2, 0, 1), tick=False):
        assert hours_check_tick() == 1
    (alert,) = _alerts()
    assert alert.client == client_profile  # not the client at exactly the minimum
    assert alert.week_starts_on == MONDAY and alert.session is None
    assert AccessLog.objects.filter(
        action=Action.CREATE, object_type="sessions_app.EngagementAlert", client=client_profile
    ).exists()
    # The next day's check (and any repeat) raises nothing new.
    for moment in (local(2026, 12, 2, 0, 2), local(2026, 12, 3, 0, 5), local(2026, 12, 6, 23)):
        with time_machine.travel(moment, tick=False):
            hours_check_tick()
    assert len(_alerts()) == 1
    # The next week is a new week: a new alert from its Wednesday, none before.
    with time_machine.travel(local(2026, 12, 8, 9), tick=False):
        hours_check_tick()
    assert len(_alerts()) == 1
    with time_machine.travel(local(2026, 12, 9, 6), tick=False):
        hours_check_tick()
    weeks = sorted((a.week_starts_on, a.client.user.full_name) for a in _alerts())
    # In the new week nobody has attended yet: both clients are below.
    assert weeks == [
        (MONDAY, "Casey Client"),
        (MONDAY + timedelta(days=7), "Casey Client"),
        (MONDAY + timedelta(days=7), "Olive Other"),
    ]


def test_the_alert_reaches_the_care_teams_open_alerts(week, client_profile, clinician, as_user):
    with time_machine.travel(local(2026, 12, 2, 9), tick=False):
        hours_check_tick()
    page = as_user(clinician).get("/staff/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Below the weekly minimum of treatment hours" in text
    assert "week of Mon 30 Nov" in text


def test_the_check_day_is_the_programs_setting_and_moving_it_reschedules(
    week, supervisor, client_profile
):
    with time_machine.travel(local(2026, 11, 30, 8), tick=False):
        hours_check_tick()
        assert _alerts() == []
        record_settings_update(
            actor=supervisor, program=week, engagement_check_weekday=Weekday.MONDAY
        )
        assert HoursCheck.objects.get(program=week).due_at <= local(2026, 11, 30, 8)
        assert hours_check_tick() == 1
    assert [a.client for a in _alerts()] == [client_profile]


def test_a_client_whose_hours_reach_the_minimum_before_the_check_day_raises_nothing(
    week, client_profile
):
    attended(client_profile, local(2026, 12, 1, 18), 60)  # now 3 hours
    with time_machine.travel(local(2026, 12, 3, 12), tick=False):
        assert hours_check_tick() == 0
    assert _alerts() == []


def test_a_discharged_or_inactive_client_is_not_checked(week, client_profile):
    client_profile.discharged_on = date(2026, 11, 20)
    client_profile.save(update_fields=["discharged_on"])
    with time_machine.travel(local(2026, 12, 2, 12), tick=False):
        assert hours_check_tick() == 0
    assert _alerts() == []
    assert client_profile.user.role == Role.CLIENT
