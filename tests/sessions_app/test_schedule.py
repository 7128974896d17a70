"""Series and single sessions: materialising, DST, clashes, cancelling and moving."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from iop.audit.models import AccessLog
from iop.domain import NotAllowed
from sessions_app import services
from sessions_app.models import Session, SessionSeries, SessionStatus

NEW_YORK = ZoneInfo("America/New_York")
pytestmark = pytest.mark.django_db


def _series(group, clinician, **overrides):
    values = dict(
        actor=clinician,
        group=group,
        kind="group",
        title="Evening group",
        facilitator=clinician,
        rule="FREQ=WEEKLY;BYDAY=MO,WE,FR",
        starts_on=date(2026, 3, 1),
        start_time=time(18),
        duration_minutes=180,
    )
    values.update(overrides)
    return services.series_create(**values)


@time_machine.travel(datetime(2026, 2, 27, 12, tzinfo=NEW_YORK), tick=False)
def test_a_series_materialises_its_horizon_at_the_same_local_time_across_dst(
    group, clinician, settings
):
    settings.SESSIONS_HORIZON_DAYS = 21

    series = _series(group, clinician)

    sessions = list(series.sessions.order_by("starts_at"))
    assert series.generated_until == date(2026, 3, 20)
    assert [s.local_date.day for s in sessions] == [2, 4, 6, 9, 11, 13, 16, 18, 20]
    assert {s.starts_at.astimezone(NEW_YORK).time() for s in sessions} == {time(18)}
    assert (
        sessions[2].starts_at.hour == 23 and sessions[3].starts_at.hour == 22
    )  # UTC, around 8 March
    first = sessions[0]
    assert first.missed_check_due_at == first.starts_at + timedelta(minutes=10)
    assert first.finalise_due_at == first.ends_at + timedelta(minutes=5)
    assert (
        AccessLog.objects.filter(object_type="sessions_app.SessionSeries", action="create").count()
        == 1
    )


@time_machine.travel(datetime(2026, 2, 27, 12, tzinfo=NEW_YORK), tick=False)
def test_the_horizon_is_extended_later_without_duplicates(group, clinician, settings):
    settings.SESSIONS_HORIZON_DAYS = 7
    series = _series(group, clinician)
    assert series.sessions.count() == 3

    with time_machine.travel(datetime(2026, 3, 6, 12, tzinfo=NEW_YORK), tick=False):
        made = services.schedule_extend()
        assert services.schedule_extend() == 0  # idempotent

    assert made == 3
    assert list(series.sessions.values_list("local_date", flat=True).order_by("local_date")) == [
        date(2026, 3, d) for d in (2, 4, 6, 9, 11, 13)
    ]


def test_a_rule_that_produces_no_session_is_refused_and_nothing_is_saved(group, clinician):
    with pytest.raises(ValidationError) as caught:
        _series(group, clinician, rule="FREQ=WEEKLY;BYDAY=MO;UNTIL=20200101")

    assert "rule" in caught.value.message_dict
    assert not SessionSeries.objects.exists() and not Session.objects.exists()


def test_an_invalid_rule_is_refused_naming_the_rule(group, clinician):
    with pytest.raises(ValidationError) as caught:
        _series(group, clinician, rule="FREQ=FORTNIGHTLY")

    assert list(caught.value.message_dict) == ["rule"]
    assert not SessionSeries.objects.exists()


@time_machine.travel(datetime(2026, 2, 27, 12, tzinfo=NEW_YORK), tick=False)
def test_overlapping_sessions_for_one_facilitator_are_refused_naming_the_facilitator(
    group, other_group, clinician
):
    other_group.facilitators.add(clinician)
    _series(group, clinician)

    with pytest.raises(ValidationError) as caught:
        services.session_create(
            actor=clinician,
            group=other_group,
            kind="group",
            title="Clash",
            facilitator=clinician,
            starts_at=datetime(2026, 3, 4, 19, tzinfo=NEW_YORK),
            ends_at=datetime(2026, 3, 4, 20, tzinfo=NEW_YORK),
        )
    assert list(caught.value.message_dict) == ["facilitator"]
    assert "Evening group" in caught.value.message_dict["facilitator"][0]
    # A series that would clash with it is refused whole, beyond what is materialised too.
    with pytest.raises(ValidationError) as caught:
        _series(
            other_group, clinician, title="Other", rule="FREQ=WEEKLY;BYDAY=FR", start_time=time(20)
        )
    assert list(caught.value.message_dict) == ["facilitator"]
    assert Session.objects.filter(group=other_group).count() == 0
    assert SessionSeries.objects.count() == 1


@time_machine.travel(datetime(2026, 2, 27, 12, tzinfo=NEW_YORK), tick=False)
def test_a_single_session_clashing_with_a_series_beyond_its_horizon_is_refused(
    group, other_group, clinician, settings
):
    settings.SESSIONS_HORIZON_DAYS = 7
    other_group.facilitators.add(clinician)
    _series(group, clinician)

    with pytest.raises(ValidationError) as caught:
        services.session_create(
            actor=clinician,
            group=other_group,
            kind="group",
            title="Far",
            facilitator=clinician,
            starts_at=datetime(2026, 4, 1, 18, 30, tzinfo=NEW_YORK),
            ends_at=datetime(2026, 4, 1, 19, tzinfo=NEW_YORK),
        )
    assert "facilitator" in caught.value.message_dict


def test_a_session_ending_before_it_starts_is_refused(group, clinician):
    start = datetime(2026, 5, 1, 18, tzinfo=NEW_YORK)

    with pytest.raises(ValidationError) as caught:
        services.session_create(
            actor=clinician,
            group=group,
            kind="group",
            title="Backwards",
            facilitator=clinician,
            starts_at=start,
            ends_at=start - timedelta(minutes=1),
        )
    assert list(caught.value.message_dict) == ["ends_at"]
    assert not Session.objects.exists()


def test_an_individual_session_needs_a_client_not_a_group(group, clinician, client_profile):
    start = datetime(2026, 5, 1, 18, tzinfo=NEW_YORK)
    with pytest.raises(ValidationError) as caught:
        services.session_create(
            actor=clinician,
            group=group,
            kind="individual",
            title="1:1",
            facilitator=clinician,
            starts_at=start,
            ends_at=start + timedelta(hours=1),
        )
    assert "client" in caught.value.message_dict

    session = services.session_create(
        actor=clinician,
        client=client_profile,
        kind="individual",
        title="1:1",
        facilitator=clinician,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
    )
    assert session.program_id == client_profile.program_id


def test_a_clinician_cannot_schedule_another_clinicians_group(other_group, clinician):
    start = datetime(2026, 5, 1, 18, tzinfo=NEW_YORK)
    with pytest.raises(NotAllowed):
        services.session_create(
            actor=clinician,
            group=other_group,
            kind="group",
            title="Not mine",
            facilitator=clinician,
            starts_at=start,
            ends_at=start + timedelta(hours=1),
        )


@time_machine.travel(datetime(2026, 2, 27, 12, tzinfo=NEW_YORK), tick=False)
def test_cancel_one_occurrence_or_the_rest_of_the_series(group, clinician, settings):
    settings.SESSIONS_HORIZON_DAYS = 14
    series = _series(group, clinician)
    sessions = list(series.sessions.order_by("starts_at"))

    services.session_cancel(actor=clinician, session=sessions[1], reason="Holiday")
    sessions[1].refresh_from_db()
    assert sessions[1].status == SessionStatus.CANCELLED
    assert sessions[1].missed_check_due_at is None and sessions[1].finalise_due_at is None

    count = services.series_cancel_from(actor=clinician, session=sessions[3], reason="Group closes")
    assert count == 3  # the 9th, 11th, 13th (the 4th was already cancelled)
    series.refresh_from_db()
    assert series.ends_on == date(2026, 3, 8)
    statuses = list(series.sessions.order_by("starts_at").values_list("status", flat=True))
    assert statuses == [
        "scheduled",
        "cancelled",
        "scheduled",
        "cancelled",
        "cancelled",
        "cancelled",
    ]
    with time_machine.travel(datetime(2026, 3, 20, 12, tzinfo=NEW_YORK), tick=False):
        assert services.schedule_extend() == 0  # the series ended: nothing new after it


@time_machine.travel(datetime(2026, 2, 27, 12, tzinfo=NEW_YORK), tick=False)
def test_move_one_occurrence_then_the_rest_of_the_series(group, clinician, settings):
    settings.SESSIONS_HORIZON_DAYS = 14
    series = _series(group, clinician)
    sessions = list(series.sessions.order_by("starts_at"))

    moved = services.session_reschedule(
        actor=clinician,
        session=sessions[0],
        starts_at=datetime(2026, 3, 3, 17, tzinfo=NEW_YORK),
        ends_at=datetime(2026, 3, 3, 19, tzinfo=NEW_YORK),
    )
    assert moved.is_exception and moved.revision == 1 and moved.local_date == date(2026, 3, 3)

    # From the 9th: Tuesdays and Thursdays at 17:30 for two hours.
    services.series_reschedule_from(
        actor=clinician,
        session=sessions[3],
        start_time=time(17, 30),
        duration_minutes=120,
        rule="FREQ=WEEKLY;BYDAY=TU,TH",
    )
    live = series.sessions.filter(status="scheduled").order_by("starts_at")
    assert [
        (s.local_date.day, s.starts_at.astimezone(NEW_YORK).strftime("%H:%M")) for s in live
    ] == [
        (3, "17:00"),
        (4, "18:00"),
        (6, "18:00"),
        (10, "17:30"),
        (12, "17:30"),
    ]
    assert all(s.duration_minutes == 120 for s in live if s.local_date.day >= 10)
    series.refresh_from_db()
    assert series.rule == "FREQ=WEEKLY;BYDAY=TU,TH" and series.start_time == time(17, 30)


@time_machine.travel(datetime(2026, 2, 27, 12, tzinfo=NEW_YORK), tick=False)
def test_moving_into_a_clash_is_refused_and_nothing_changes(group, clinician):
    series = _series(group, clinician)
    first, second = list(series.sessions.order_by("starts_at"))[:2]

    with pytest.raises(ValidationError) as caught:
        services.session_reschedule(
            actor=clinician, session=first, starts_at=second.starts_at, ends_at=second.ends_at
        )
    assert "facilitator" in caught.value.message_dict
    first.refresh_from_db()
    assert first.revision == 0 and first.local_date == date(2026, 3, 2)
