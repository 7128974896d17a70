"""GET /api/v1/attendance-hours/: scoped per caller, filtered by client and week, bad values a
400 naming the parameter, every client shown audited."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine

from iop.api.models import Scope
from iop.audit.models import AccessLog, Action
from records.models import RecordSettings
from tests.api.conftest import key_client, make_key  # noqa: F401 - a fixture
from tests.records.hours_setup import attended, local

pytestmark = pytest.mark.django_db

URL = "/api/v1/attendance-hours/"


@pytest.fixture(autouse=True)
def _thursday():
    with time_machine.travel(local(2026, 12, 3, 12), tick=False):
        yield


@pytest.fixture
def hours(program, client_profile, other_client_profile, far_client_profile):
    RecordSettings.objects.create(program=program, weekly_minimum_hours=Decimal("9.0"))
    attended(client_profile, local(2026, 12, 1, 10), 360)
    attended(client_profile, local(2026, 11, 10, 10), 90)
    attended(other_client_profile, local(2026, 12, 1, 10), 600)
    attended(far_client_profile, local(2026, 12, 1, 10), 60)
    return program


def _clients(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["client"] for row in response.json()["results"]}


def test_each_caller_sees_whose_hours_they_may(
    hours,
    client_profile,
    other_client_profile,
    far_client_profile,
    clinician,
    supervisor,
    other_supervisor,
    support_agent,
    as_user,
):
    ours, other, far = client_profile.pk, other_client_profile.pk, far_client_profile.pk
    assert _clients(as_user(client_profile.user).get(URL)) == {ours}
    assert _clients(as_user(clinician).get(URL)) == {ours}
    assert _clients(as_user(supervisor).get(URL)) == {ours, other}
    assert _clients(as_user(other_supervisor).get(URL)) == {far}
    assert _clients(as_user(support_agent).get(URL)) == set()


def test_an_api_key_needs_hours_read_and_sees_its_program(
    hours,
    make_key,  # noqa: F811 - the fixture
    other_program,
    client_profile,
    other_client_profile,
):
    reader = key_client(make_key(scopes=[Scope.HOURS_READ])[1])
    assert _clients(reader.get(URL)) == {client_profile.pk, other_client_profile.pk}
    without = key_client(make_key(scopes=[Scope.SESSIONS_READ], name="no hours")[1])
    refused = without.get(URL)
    assert refused.status_code == 403 and "hours:read" in refused.content.decode()
    elsewhere = key_client(make_key(key_program=other_program, name="other")[1])
    assert client_profile.pk not in _clients(elsewhere.get(URL))


def test_an_item_is_five_weeks_against_the_minimum(hours, client_profile, as_user):
    (row,) = as_user(client_profile.user).get(URL).json()["results"]
    assert row["minimum_hours"] == 9.0 and row["maximum_hours"] is None
    assert [w["week_starts_on"] for w in row["weeks"]] == [
        "2026-11-02",
        "2026-11-09",
        "2026-11-16",
        "2026-11-23",
        "2026-11-30",
    ]
    this = row["weeks"][-1]
    assert (this["minutes"], this["hours"], this["below_minimum"]) == (360, 6.0, True)
    assert row["weeks"][1]["hours"] == 1.5


def test_the_client_and_week_filters(
    hours, client_profile, other_client_profile, supervisor, as_user
):
    browser = as_user(supervisor)
    assert _clients(browser.get(URL, {"client": other_client_profile.pk})) == {
        other_client_profile.pk
    }
    (row,) = browser.get(URL, {"client": client_profile.pk, "week": "2026-11-12"}).json()["results"]
    assert row["weeks"][-1] == {
        "week_starts_on": "2026-11-09",
        "minutes": 90,
        "hours": 1.5,
        "below_minimum": True,
        "above_maximum": False,
    }


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("week", "2026-02-30"),
        ("week", "next week"),
        ("week", "0001-01-01"),
        ("week", ""),
        ("client", "abc"),
        ("client", "-1"),
        ("client", ""),
    ],
)
def test_bad_values_are_a_400_naming_the_parameter(hours, supervisor, as_user, name, value):
    response = as_user(supervisor).get(URL, {name: value})
    assert response.status_code == 400, response.content
    assert name in response.json()["error"]["fields"]


def test_a_client_outside_the_callers_sight_is_a_404(
    hours, clinician, other_client_profile, as_user
):
    assert as_user(clinician).get(URL, {"client": other_client_profile.pk}).status_code == 404


def test_every_client_shown_is_audited(
    hours, supervisor, client_profile, other_client_profile, as_user
):
    as_user(supervisor).get(URL)
    logged = AccessLog.objects.filter(
        actor=supervisor, action=Action.VIEW, object_type="records.WeeklyHours"
    )
    assert set(logged.values_list("client_id", flat=True)) == {
        client_profile.pk,
        other_client_profile.pk,
    }
