"""Business-time arithmetic: nights, weekends, lunch breaks, holidays, closures, DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from support.business_hours import ALWAYS_OPEN, Schedule, Window, holiday_dates
from tests.support.conftest import ny

NY = ZoneInfo("America/New_York")
WEEKDAYS = (Window(time(9), time(12)), Window(time(13), time(17)))
DESK = Schedule(NY, (WEEKDAYS,) * 5 + ((), ()), country="US", subdivision="NY")
H, M = timedelta(hours=1), timedelta(minutes=1)


def test_time_inside_one_window_is_wall_time():
    assert DESK.open_time_between(ny(2026, 3, 3, 9, 30), ny(2026, 3, 3, 11, 0)) == 90 * M
    assert DESK.add_open_time(ny(2026, 3, 3, 9, 30), 90 * M) == ny(2026, 3, 3, 11, 0)


def test_the_lunch_break_and_the_night_do_not_count():
    # Tuesday 11:30 + 2 h: 30 min to noon, lunch, 13:00-14:30.
    assert DESK.add_open_time(ny(2026, 3, 3, 11, 30), 2 * H) == ny(2026, 3, 3, 14, 30)
    # Tuesday 16:00 + 2 h: one hour that day, the night, 09:00-10:00 Wednesday.
    assert DESK.add_open_time(ny(2026, 3, 3, 16, 0), 2 * H) == ny(2026, 3, 4, 10, 0)
    assert DESK.open_time_between(ny(2026, 3, 3, 16, 0), ny(2026, 3, 4, 10, 0)) == 2 * H


def test_a_weekend_is_skipped():
    # Friday 16:30 + 1 h: 30 min Friday, then Monday 09:00-09:30.
    assert DESK.add_open_time(ny(2026, 3, 6, 16, 30), H) == ny(2026, 3, 9, 9, 30)
    assert DESK.open_time_between(ny(2026, 3, 6, 17, 0), ny(2026, 3, 9, 9, 0)) == timedelta(0)


def test_a_deadline_starting_outside_hours_starts_counting_at_opening():
    assert DESK.add_open_time(ny(2026, 3, 7, 23, 0), 15 * M) == ny(2026, 3, 9, 9, 15)
    assert DESK.add_open_time(ny(2026, 3, 3, 12, 15), 15 * M) == ny(2026, 3, 3, 13, 15)


def test_a_public_holiday_is_closed():
    assert date(2026, 7, 3) in holiday_dates("US", "NY", 2026)  # Independence Day, observed
    # Thursday 16:00 + 2 h: one hour Thursday, Friday 3 July (observed holiday) closed,
    # the weekend, then Monday 09:00-10:00.
    assert DESK.add_open_time(ny(2026, 7, 2, 16, 0), 2 * H) == ny(2026, 7, 6, 10, 0)


def test_a_state_holiday_closes_only_that_state():
    lincoln = date(2026, 2, 12)  # Lincoln's Birthday: New York, not national
    assert lincoln in holiday_dates("US", "NY", 2026)
    assert lincoln not in holiday_dates("US", "", 2026)
    national = Schedule(NY, DESK.week, country="US")
    assert national.add_open_time(ny(2026, 2, 12, 9, 0), H) == ny(2026, 2, 12, 10, 0)
    assert DESK.add_open_time(ny(2026, 2, 12, 9, 0), H) == ny(2026, 2, 13, 10, 0)


def test_a_clinic_closure_is_closed():
    closed = Schedule(NY, DESK.week, closures=frozenset({date(2026, 3, 4), date(2026, 3, 5)}))
    assert closed.add_open_time(ny(2026, 3, 3, 16, 0), 2 * H) == ny(2026, 3, 6, 10, 0)


def test_daylight_saving_does_not_move_wall_clock_windows():
    # 6 March is EST (UTC-5), 9 March EDT (UTC-4): 09:00 is 14:00 UTC, then 13:00 UTC.
    due = DESK.add_open_time(ny(2026, 3, 6, 16, 0), 2 * H)
    assert due == ny(2026, 3, 9, 10, 0)
    assert due.astimezone(UTC) == datetime(2026, 3, 9, 14, 0, tzinfo=UTC)
    # The autumn change, 1 November 2026: EDT Friday, EST Monday.
    due = DESK.add_open_time(ny(2026, 10, 30, 16, 0), 2 * H)
    assert due.astimezone(UTC) == datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


def test_a_night_window_over_a_dst_change_counts_the_hours_that_really_passed():
    nights = Schedule(NY, ((Window(time(0), time(6)),),) * 7)
    spring = ny(2026, 3, 8, 0, 0)  # clocks go from 02:00 to 03:00
    autumn = ny(2026, 11, 1, 0, 0)  # clocks go from 02:00 back to 01:00
    assert nights.open_time_between(spring, spring + timedelta(days=1)) == 5 * H
    assert nights.open_time_between(autumn, autumn + timedelta(days=1)) == 7 * H
    assert nights.add_open_time(spring, 5 * H) == ny(2026, 3, 8, 6, 0)
    assert nights.add_open_time(spring, 5 * H + M) == ny(2026, 3, 9, 0, 1)


def test_midnight_as_closing_time_means_the_end_of_the_day():
    assert ALWAYS_OPEN.add_open_time(datetime(2026, 3, 6, 23, 0, tzinfo=UTC), 2 * H) == datetime(
        2026, 3, 7, 1, 0, tzinfo=UTC
    )
    late = Schedule(NY, ((Window(time(22), None),),) * 7)
    assert late.open_time_between(ny(2026, 3, 3, 21, 0), ny(2026, 3, 4, 21, 0)) == 2 * H


@pytest.mark.parametrize(
    "start",
    [ny(2026, 3, 6, 16, 45), ny(2026, 7, 2, 11, 59), ny(2026, 11, 1, 1, 30), ny(2026, 12, 24, 8)],
)
@pytest.mark.parametrize("minutes", [1, 59, 61, 240, 7 * 60, 3 * 24 * 60])
def test_adding_then_measuring_gives_back_the_same_amount(start, minutes):
    due = DESK.add_open_time(start, minutes * M)
    assert due is not None and due > start
    assert DESK.open_time_between(start, due) == minutes * M


def test_a_calendar_without_hours_never_falls_due():
    never = Schedule(NY, ((),) * 7)
    assert not never.has_hours
    assert never.add_open_time(ny(2026, 3, 3, 9), M) is None
    assert never.open_time_between(ny(2026, 3, 3), ny(2026, 4, 3)) == timedelta(0)


def test_zero_or_less_is_now():
    start = ny(2026, 3, 7, 3, 0)  # a Saturday night: closed
    assert DESK.add_open_time(start, timedelta(0)) == start
    assert DESK.add_open_time(start, -M) == start
