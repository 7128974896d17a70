"""RFC 5545 rules in the program's zone: daylight saving keeps local time; bad rules are refused."""

from __future__ import annotations

import time
import zoneinfo
from datetime import date
from datetime import time as clock

import pytest
from django.core.exceptions import ValidationError

from sessions_app import recurrence

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def _occurrences(rule: str, first: date, last: date, *, zone=NEW_YORK, start=clock(18)):
    parsed = recurrence.parse_rule(rule, zone)
    return recurrence.occurrences(
        parsed,
        starts_on=first,
        start_time=start,
        minutes=90,
        zone=zone,
        first_day=first,
        last_day=last,
    )


def test_a_weekly_6pm_group_stays_at_6pm_local_across_the_spring_change():
    # US daylight saving starts on Sunday 8 March 2026.
    found = _occurrences("FREQ=WEEKLY;BYDAY=MO,FR", date(2026, 3, 2), date(2026, 3, 13))

    assert [o.day for o in found] == [
        date(2026, 3, 2),
        date(2026, 3, 6),
        date(2026, 3, 9),
        date(2026, 3, 13),
    ]
    assert [o.starts_at.astimezone(NEW_YORK).hour for o in found] == [18, 18, 18, 18]
    # In UTC the session moves an hour earlier after the change.
    assert [o.starts_at.hour for o in found] == [23, 23, 22, 22]
    assert all((o.ends_at - o.starts_at).total_seconds() == 90 * 60 for o in found)


def test_and_across_the_autumn_change_in_another_zone():
    # Europe/London goes back on Sunday 25 October 2026.
    london = zoneinfo.ZoneInfo("Europe/London")
    found = _occurrences(
        "FREQ=DAILY;INTERVAL=2",
        date(2026, 10, 23),
        date(2026, 10, 28),
        zone=london,
        start=clock(9, 30),
    )

    assert [(o.day.day, o.starts_at.hour, o.starts_at.minute) for o in found] == [
        (23, 8, 30),
        (25, 9, 30),
        (27, 9, 30),
    ]
    assert {o.starts_at.astimezone(london).strftime("%H:%M") for o in found} == {"09:30"}


def test_a_local_time_that_does_not_exist_is_read_as_zoneinfo_does():
    found = _occurrences(
        "FREQ=DAILY;COUNT=1", date(2026, 3, 8), date(2026, 3, 8), start=clock(2, 30)
    )

    assert found[0].starts_at.astimezone(NEW_YORK).strftime("%H:%M") == "03:30"


def test_until_in_utc_is_turned_into_local_time():
    parsed = recurrence.parse_rule("RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20260309T210000Z", NEW_YORK)

    assert parsed.text == "FREQ=WEEKLY;BYDAY=MO;UNTIL=20260309T170000"
    found = recurrence.occurrences(
        parsed,
        starts_on=date(2026, 3, 2),
        start_time=clock(18),
        minutes=60,
        zone=NEW_YORK,
        first_day=date(2026, 3, 1),
        last_day=date(2026, 3, 31),
    )
    assert [o.day for o in found] == [date(2026, 3, 2)]  # the 9th at 18:00 is after UNTIL


@pytest.mark.parametrize(
    ("rule", "says"),
    [
        ("", "Enter a recurrence rule"),
        ("FREQ=HOURLY", "DAILY, WEEKLY or MONTHLY"),
        ("FREQ=WEEKLY;BYDAY=XX", "unknown day"),
        ("FREQ=WEEKLY;INTERVAL=0", "INTERVAL"),
        ("FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30", "No month"),
        ("FREQ=DAILY;BYMONTH=4,6;BYMONTHDAY=31", "No month"),
        ("FREQ=MONTHLY;BYDAY=6MO", "at most five"),
        ("FREQ=WEEKLY;BYDAY=MO;BYHOUR=9", "remove BYHOUR"),
        ("FREQ=WEEKLY;COUNT=2;UNTIL=20270101", "not both"),
        ("FREQ=WEEKLY;FOO=1", "FOO is not supported"),
        ("FREQ=WEEKLY;BYDAY=MO;BYSETPOS=3", "BYSETPOS"),
        ("DTSTART:20260101T000000\nRRULE:FREQ=DAILY", "only the RRULE"),
    ],
)
def test_invalid_rules_are_refused_quickly_naming_the_rule_field(rule, says):
    started = time.monotonic()
    with pytest.raises(ValidationError) as caught:
        recurrence.parse_rule(rule, NEW_YORK)
    assert time.monotonic() - started < 0.5
    assert list(caught.value.message_dict) == ["rule"]
    assert says in caught.value.message_dict["rule"][0]


@pytest.mark.parametrize("rule", ["FREQ=WEEKLY;COUNT=0", "FREQ=WEEKLY;BYDAY=MO;UNTIL=20200101"])
def test_rules_that_produce_nothing_have_no_first_occurrence(rule):
    parsed = recurrence.parse_rule(rule, NEW_YORK)

    assert (
        recurrence.first_occurrence(
            parsed, starts_on=date(2026, 1, 1), start_time=clock(18), on_or_after=date(2026, 1, 1)
        )
        is None
    )
