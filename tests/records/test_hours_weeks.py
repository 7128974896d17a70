"""Weekly hours: weeks are Monday to Sunday in the program's time zone, across daylight saving,
and a whole program's hours are one query."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from iop.accounts.models import ClientProfile
from records.models import RecordSettings
from records.selectors.hours import WITH_RULES, hours_of
from records.weeks import this_week, week_bounds, weeks_ending
from tests.factories import ClientProfileFactory, ProgramFactory
from tests.records.hours_setup import NEW_YORK, attended, local

pytestmark = pytest.mark.django_db


def test_a_week_across_the_spring_change_is_167_hours_and_ends_at_local_midnight():
    start, end = week_bounds(date(2026, 3, 2 + 7), "America/New_York")  # Mon 9 March 2026
    assert start == datetime(2026, 3, 9, 4, tzinfo=UTC)  # EDT midnight (DST began 8 March)
    assert end - start == timedelta(hours=168)
    start, end = week_bounds(date(2026, 3, 2), "America/New_York")  # Mon 2 March: DST Sun 8th
    assert start == datetime(2026, 3, 2, 5, tzinfo=UTC)  # EST
    assert end == datetime(2026, 3, 9, 4, tzinfo=UTC)  # EDT
    assert end - start == timedelta(hours=167)


def test_a_week_across_the_autumn_change_is_169_hours():
    start, end = week_bounds(date(2026, 10, 26), "America/New_York")  # DST ends Sun 1 Nov
    assert (start, end) == (
        datetime(2026, 10, 26, 4, tzinfo=UTC),
        datetime(2026, 11, 2, 5, tzinfo=UTC),
    )
    assert end - start == timedelta(hours=169)


def test_this_week_is_the_programs_not_utcs():
    # Monday 01:30 UTC is still Sunday evening in New York: the week before.
    now = datetime(2026, 12, 7, 1, 30, tzinfo=UTC)
    assert this_week("America/New_York", now) == date(2026, 11, 30)
    assert this_week("Europe/London", now) == date(2026, 12, 7)
    assert weeks_ending(date(2026, 12, 9)) == [
        date(2026, 11, 9),
        date(2026, 11, 16),
        date(2026, 11, 23),
        date(2026, 11, 30),
        date(2026, 12, 7),
    ]


def _program_client(zone: str = "America/New_York"):
    program = ProgramFactory(name=f"Hours {zone}", time_zone=zone)
    return ClientProfileFactory(program=program)


def test_sessions_count_in_the_local_week_they_start_in_across_the_spring_change():
    client = _program_client()
    # Sunday 8 March 2026 23:30 EDT (03:30 UTC Monday): the week of 2 March.
    attended(client, local(2026, 3, 8, 23, 30), 60)
    # Monday 9 March 00:30 EDT (04:30 UTC): the week of 9 March.
    attended(client, local(2026, 3, 9, 0, 30), 90)
    # Monday 2 March 00:15 EST (05:15 UTC): its own week's first minutes.
    attended(client, local(2026, 3, 2, 0, 15), 30)
    # Sunday 1 March 23:59 EST: the week before.
    attended(client, local(2026, 3, 1, 23, 59), 45)
    (found,) = hours_of([client], now=local(2026, 3, 11, 12))
    by_week = {w.starts_on: w.minutes for w in found.weeks}
    assert by_week[date(2026, 3, 9)] == 90
    assert by_week[date(2026, 3, 2)] == 90
    assert by_week[date(2026, 2, 23)] == 45
    assert found.this_week.starts_on == date(2026, 3, 9)
    assert found.this_week.hours == Decimal("1.5")


def test_sessions_count_in_their_local_week_across_the_autumn_change():
    client = _program_client()
    attended(client, local(2026, 11, 1, 1, 30), 60)  # the first 01:30 (EDT)
    attended(client, datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=NEW_YORK), 30)  # EST's
    attended(client, local(2026, 11, 1, 23, 30), 120)  # Sunday night EST: same week
    attended(client, local(2026, 11, 2, 0, 0), 180)  # Monday midnight EST: the next week
    (found,) = hours_of([client], now=local(2026, 11, 3, 9))
    by_week = {w.starts_on: w.minutes for w in found.weeks}
    assert by_week == {
        date(2026, 10, 5): 0,
        date(2026, 10, 12): 0,
        date(2026, 10, 19): 0,
        date(2026, 10, 26): 210,
        date(2026, 11, 2): 180,
    }


def test_the_same_moment_falls_in_different_weeks_for_programs_in_different_zones():
    new_york = _program_client("America/New_York")
    tokyo = _program_client("Asia/Tokyo")
    moment = datetime(2026, 12, 6, 20, tzinfo=UTC)  # Sun 15:00 in New York, Mon 05:00 in Tokyo
    attended(new_york, moment, 60)
    attended(tokyo, moment, 60)
    ny, tk = hours_of([new_york, tokyo], now=datetime(2026, 12, 8, 12, tzinfo=UTC))
    assert ny.weeks[-2].starts_on == date(2026, 11, 30) and ny.weeks[-2].minutes == 60
    assert ny.this_week.minutes == 0
    assert tk.this_week.starts_on == date(2026, 12, 7) and tk.this_week.minutes == 60


def test_below_minimum_and_above_maximum_follow_the_programs_settings():
    client = _program_client()
    RecordSettings.objects.create(
        program=client.program,
        weekly_minimum_hours=Decimal("6.0"),
        weekly_maximum_hours=Decimal("8.0"),
    )
    attended(client, local(2026, 12, 1, 10), 360)  # exactly 6 hours
    attended(client, local(2026, 11, 24, 10), 359)
    attended(client, local(2026, 11, 17, 10), 481)
    (found,) = hours_of([client], now=local(2026, 12, 2, 12))
    this, last, before = found.weeks[-1], found.weeks[-2], found.weeks[-3]
    assert not this.below_minimum and not this.above_maximum
    assert last.below_minimum
    assert before.above_maximum and not before.below_minimum
    assert found.weeks[0].below_minimum and found.weeks[0].minutes == 0


def test_a_whole_programs_hours_are_one_query():
    program = ProgramFactory(name="Big", time_zone="America/Chicago")
    RecordSettings.objects.create(program=program)
    clients = [ClientProfileFactory(program=program) for _ in range(12)]
    for number, client in enumerate(clients):
        for week in range(6):
            attended(client, local(2026, 12, 1, 10) - timedelta(weeks=week), 30 + number)
    clients = list(
        ClientProfile.objects.select_related(*WITH_RULES).filter(program=program).order_by("pk")
    )
    with CaptureQueriesContext(connection) as queries:
        found = hours_of(clients, now=local(2026, 12, 2, 12))
    assert len(queries) == 1  # the settings came with the clients
    assert [h.this_week.minutes for h in found] == [30 + n for n in range(12)]
    assert all(len(h.weeks) == 5 for h in found)
    # Loaded without them, the program's settings are one more query.
    plain = list(ClientProfile.objects.select_related("program").filter(program=program))
    with CaptureQueriesContext(connection) as queries:
        hours_of(plain, now=local(2026, 12, 2, 12))
    assert len(queries) == 2


def test_weeks_outside_the_clients_stay_in_the_program_are_not_below_the_minimum():
    """Before admission and after discharge no minimum applies (nor does an alert)."""
    from datetime import date
    from decimal import Decimal

    from iop.accounts.models import ClientProfile
    from records.selectors.hours import ClientHours, HoursRule

    client = ClientProfile(admitted_on=date(2026, 11, 18), discharged_on=date(2026, 12, 8))
    mondays = [date(2026, 11, 9), date(2026, 11, 16), date(2026, 12, 7), date(2026, 12, 14)]
    hours = ClientHours(client, mondays, [0, 0, 0, 0], HoursRule(Decimal("9"), None))
    assert [w.below_minimum for w in hours.weeks] == [False, True, True, False]
    assert hours.this_week.below_minimum is False
