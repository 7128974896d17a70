"""Attendance derived from event sequences (pure: no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sessions_app.attendance_rules import Event, Timing, derive

START = datetime(2026, 3, 2, 23, 0, tzinfo=UTC)
END = START + timedelta(minutes=60)
TIMING = Timing(
    starts_at=START,
    ends_at=END,
    grace=timedelta(minutes=10),
    late_after=timedelta(minutes=5),
    left_early=timedelta(minutes=10),
)
AFTER = END + timedelta(minutes=5)


def at(minute: float) -> datetime:
    return START + timedelta(minutes=minute)


def events(*pairs) -> list[Event]:
    return [Event(kind, at(minute)) for kind, minute in pairs]


@pytest.mark.parametrize(
    ("sequence", "status", "minutes"),
    [
        # on time, stayed to the end
        ([("join", -3), ("leave", 60)], "present", 60),
        # never left: counts to the end
        ([("join", 0)], "present", 60),
        # disconnect and rejoin: the gap is not counted; a brief drop is still present
        ([("join", 0), ("disconnect", 20), ("rejoin", 23), ("leave", 60)], "present", 57),
        # joined after the late allowance
        ([("join", 12), ("leave", 60)], "late", 48),
        # left well before the end
        ([("join", 0), ("leave", 30)], "left_early", 30),
        # dropped and never came back: a technical issue, not a choice to leave
        ([("join", 0), ("disconnect", 30)], "technical_issue", 30),
        # dropped, rejoined, then left early on purpose
        ([("join", 0), ("disconnect", 10), ("rejoin", 12), ("leave", 25)], "left_early", 23),
        # reported "I can't connect" and missed much of it
        ([("tech_issue", 2), ("join", 25), ("leave", 60)], "technical_issue", 35),
        # reported it but then made it in time and stayed
        ([("tech_issue", 0), ("join", 2), ("leave", 60)], "present", 58),
        # reported it and never joined
        ([("tech_issue", 5)], "technical_issue", 0),
        # nobody came
        ([], "no_show", 0),
        # leaving in the last few minutes is not leaving early
        ([("join", 0), ("leave", 55)], "present", 55),
        # a duplicate join (two tabs) does not double count
        ([("join", 0), ("join", 5), ("leave", 60)], "present", 60),
    ],
)
def test_after_the_session(sequence, status, minutes):
    result = derive(events(*sequence), TIMING, AFTER)

    assert (result.status, result.minutes) == (status, minutes)
    assert not result.in_room


def test_before_the_grace_period_someone_not_joined_is_expected_not_a_no_show():
    assert derive([], TIMING, at(9)).status == "expected"
    assert derive([], TIMING, at(10)).status == "no_show"


def test_live_in_the_room_counts_minutes_so_far():
    result = derive(events(("join", 1)), TIMING, at(21))

    assert (result.status, result.minutes, result.in_room) == ("present", 20, True)
    assert result.first_joined_at == at(1)


def test_live_a_disconnect_shows_as_a_technical_issue_until_they_rejoin():
    sequence = events(("join", 0), ("disconnect", 15))
    assert derive(sequence, TIMING, at(16)).status == "technical_issue"

    sequence += events(("rejoin", 17))
    result = derive(sequence, TIMING, at(20))
    assert (result.status, result.in_room, result.minutes) == ("present", True, 18)


def test_time_outside_the_session_is_not_counted():
    result = derive(events(("join", -15), ("leave", 75)), TIMING, at(80))

    assert result.minutes == 60
