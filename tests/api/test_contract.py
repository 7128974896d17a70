"""Issue 11's findings from outside, each pinned: the API answers what its schema says."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from datetime import timezone as dt_timezone

import pytest
import time_machine
import yaml
from django.test import Client
from django.utils import timezone

from crisis.models import CheckIn, CrisisSource
from crisis.services import crisis_open
from iop.api.models import Scope
from iop.api.services import api_key_create
from sessions_app.models import Session, SessionSeries
from tests.api.clinic import seed_client
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def key(admin_user, program) -> Client:
    _, token = api_key_create(
        actor=admin_user,
        name="EHR",
        program=program,
        scopes=list(Scope.values),
        expires_at=timezone.now() + timedelta(days=30),
    )
    return Client(headers={"authorization": f"Bearer {token}"})


def fields_of(response) -> dict[str, list[str]]:
    assert response.status_code == 400, response.content
    return response.json()["error"]["fields"]


def test_the_timeline_is_paginated_as_documented(key, client_profile):
    event, _ = crisis_open(
        actor=client_profile.user, client=client_profile, source=CrisisSource.HELP_BUTTON
    )
    body = key.get(f"/api/v1/crisis-events/{event.pk}/timeline/").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == len(body["results"]) >= 1


def test_shown_if_is_nullable_in_the_schema(key):
    schema = yaml.safe_load(key.get("/api/schema/").content)
    assert schema["components"]["schemas"]["Item"]["properties"]["shown_if"]["nullable"] is True
    phq9 = key.get("/api/v1/instruments/phq9/").json()
    assert phq9["items"][0]["shown_if"] is None


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/api/v1/crisis-events/?state=AAA", "state"),
        ("/api/v1/crisis-events/?page=abc", "page"),
        ("/api/v1/crisis-events/?page=0", "page"),
        ("/api/v1/crisis-events/?client=%C2%B2", "client"),  # "²" is a digit to str.isdigit()
        ("/api/v1/check-ins/?client=99999999999999999999999", "client"),
        ("/api/v1/consents/?client=%C2%B2", "client"),
        ("/api/v1/local-resources/?latitude=inf&longitude=0", "latitude"),
        ("/api/v1/local-resources/?latitude=nan&longitude=0", "latitude"),
        ("/api/v1/local-resources/?latitude=40", "longitude"),
    ],
)
def test_a_bad_query_value_is_a_400_naming_the_parameter(key, path, parameter):
    assert parameter in fields_of(key.get(path))


def test_a_page_past_the_last_is_still_a_404(key):
    assert key.get("/api/v1/crisis-events/?page=9").status_code == 404


@pytest.mark.parametrize("value", ["6", 6.0, True, "--1", "²"])
def test_answers_are_json_integers_strictly(key, client_profile, value):
    response = key.post(
        "/api/v1/check-ins/",
        {"client": client_profile.pk, "instrument": "mood", "answers": {"mood": value}},
        content_type="application/json",
    )
    assert "answers.mood" in fields_of(response)
    assert not CheckIn.objects.exists()


def test_a_whole_number_answer_is_recorded(key, client_profile):
    response = key.post(
        "/api/v1/check-ins/",
        {"client": client_profile.pk, "instrument": "mood", "answers": {"mood": 6}},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content


def test_the_portal_form_still_takes_its_text_answers(client_profile):
    """Forms post text; the instrument reads "6" there, but never "--1" or "²"."""
    from crisis import instruments

    mood = instruments.current("mood")
    assert mood.validate({"mood": "6"}) == {"mood": 6}
    for bad in ("--1", "²", "6.0"):
        with pytest.raises(Exception, match="must be one of"):
            mood.validate({"mood": bad})
    assert sign_in(client_profile.user).get("/crisis/check-ins/mood/").status_code == 200


# -- found by the persona table and the fuzzer (issue 11, findings 4, 5, 7 and the key's role) --


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/v1/crisis-events/abc/acknowledge/"),
        ("post", "/api/v1/nope/"),
        ("delete", "/api/v1/nope/"),
        ("get", "/api/v1/a%0Ab/"),
        ("post", "/api/v1/a%0A/"),
    ],
)
def test_unrouted_api_paths_answer_a_json_404_to_any_method(method, path):
    """Not Django's HTML CSRF page (unsafe methods) nor its HTML 404 (a newline in the path)."""
    response = Client(enforce_csrf_checks=True).generic(method.upper(), path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"


def test_the_global_handlers_hook_answers_json_under_api_only(rf):
    from iop.api.errors import api_error_response

    csrf = api_error_response(rf.post("/api/v1/me/"), 403, "CSRF token missing.")
    assert csrf is not None and csrf.status_code == 403
    assert b'"csrf_failed"' in csrf.content
    assert api_error_response(rf.get("/api/v1/x/"), 404).status_code == 404
    assert api_error_response(rf.get("/accounts/login/"), 404) is None


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_an_unsupported_method_with_a_key_is_405_not_403(key, client_profile, method):
    for path in ("/api/v1/me/", "/api/v1/clients/", f"/api/v1/clients/{client_profile.pk}/"):
        response = getattr(key, method)(path)
        assert response.status_code == 405, (path, response.content)
        assert response.json()["error"]["code"] == "method_not_allowed"


def test_the_schema_lists_the_key_only_where_a_key_may_call(key):
    schema = yaml.safe_load(key.get("/api/schema/").content)

    def auths(path, method):
        return {name for req in schema["paths"][path][method]["security"] for name in req}

    assert "apiKey" not in auths("/api/v1/tech-checks/", "post")  # only a client records one
    assert key.post("/api/v1/tech-checks/", {}, content_type="application/json").status_code == 403
    assert "apiKey" in auths("/api/v1/tech-checks/", "get")
    assert "cookieAuth" in auths("/api/v1/tech-checks/", "post")


@pytest.mark.parametrize(
    "path", ["/api/v1/attendance/", "/api/v1/tech-checks/", "/api/v1/makeup-requests/"]
)
def test_a_key_reads_the_sessions_lists_without_being_taken_for_a_person(key, path):
    """The sessions selectors asked a key for its role: a 500."""
    assert key.get(path).status_code == 200


# -- found by the fuzzer (issue 11, finding 6 and after) --


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/api/v1/crisis-events/?page=", "page"),  # the paginator, through iop.api.params
        ("/api/v1/crisis-events/?state=", "state"),
        ("/api/v1/check-ins/?client=", "client"),
        ("/api/v1/local-resources/?latitude=&longitude=0", "latitude"),
        ("/api/v1/sessions/?date_to=", "date_to"),  # django-filter, through iop.api.filters
        ("/api/v1/sessions/?starts_before=", "starts_before"),
        ("/api/v1/sessions/?group=", "group"),
        ("/api/v1/attendance/?date_from=", "date_from"),
        ("/api/v1/consents/?kind=", "kind"),  # a choice: "" is not one of them
        ("/api/v1/makeup-requests/?status=", "status"),
        ("/api/v1/sessions/?date_to=2024-13-01", "date_to"),
    ],
)
def test_an_empty_or_invalid_typed_filter_is_a_400_naming_it(key, path, parameter):
    assert parameter in fields_of(key.get(path))


@pytest.mark.parametrize(
    "path", ["/api/v1/sessions/?status=", "/api/v1/local-resources/?kind=&region="]
)
def test_an_empty_free_text_filter_is_no_filter(key, path):
    """A plain string in the schema: empty is a string, read as "do not filter by it"."""
    assert key.get(path).status_code == 200
    assert key.get(path).json()["count"] == key.get(path.split("?")[0]).json()["count"]


def test_a_tech_check_without_a_measured_speed_is_recorded(client_profile):
    """download_mbps is optional in the schema; leaving it out was a 500 (TypeError)."""
    response = sign_in(client_profile.user).post(
        "/api/v1/tech-checks/",
        {"camera": "error", "microphone": "error", "webrtc": False},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["download_mbps"] is None


@pytest.mark.parametrize("speed", [False, True, "fast"])
def test_a_tech_check_speed_is_a_json_number(client_profile, speed):
    """DRF's FloatField read false as 0.0; the schema says number."""
    response = sign_in(client_profile.user).post(
        "/api/v1/tech-checks/",
        {"camera": "granted", "microphone": "granted", "webrtc": True, "download_mbps": speed},
        content_type="application/json",
    )
    assert "download_mbps" in fields_of(response)


@pytest.mark.parametrize("webrtc", [0, 1, "yes", "off", None])
def test_a_tech_check_webrtc_is_a_json_boolean(client_profile, webrtc):
    """DRF's BooleanField read 0 as false; the schema says boolean."""
    response = sign_in(client_profile.user).post(
        "/api/v1/tech-checks/",
        {"camera": "granted", "microphone": "granted", "webrtc": webrtc},
        content_type="application/json",
    )
    assert "webrtc" in fields_of(response)


# -- found fuzzing the demo from outside (`make run`, README "Testing the API") --


@pytest.mark.parametrize(
    "minutes", [16 * 60, 23 * 60 + 59, -(20 * 60 + 42)], ids=["+16:00", "+23:59", "-20:42"]
)
def test_an_instant_with_any_utc_offset_filters_sessions(
    key, client_profile, clinician, admin_user, minutes
):
    """PostgreSQL refuses UTC offsets past ±15:59 that Python reads: `+16:00` was a 500."""
    clinic = seed_client(client_profile, clinician, admin=admin_user, name="Ours")
    offset = dt_timezone(timedelta(minutes=minutes))
    now = timezone.now().astimezone(offset).replace(microsecond=0).isoformat()
    assert now.endswith(("+16:00", "+23:59", "-20:42"))

    after = key.get("/api/v1/sessions/", {"starts_after": now})
    before = key.get("/api/v1/sessions/", {"starts_before": now})

    assert after.status_code == before.status_code == 200, after.content
    assert clinic.session.pk in [s["id"] for s in before.json()["results"]]
    assert clinic.session.pk not in [s["id"] for s in after.json()["results"]]
    assert after.json()["count"] == 1  # the coming session only


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("starts_after", "0001-01-01T00:00:00+01:00"),  # before the first instant in UTC
        ("starts_before", "9999-12-31T23:30:00-01:00"),  # after the last
    ],
)
def test_an_instant_past_the_ends_of_the_calendar_in_utc_filters_nothing_out(
    key, client_profile, clinician, admin_user, parameter, value
):
    seed_client(client_profile, clinician, admin=admin_user, name="Ours")
    response = key.get("/api/v1/sessions/", {parameter: value})
    assert response.status_code == 200, response.content
    assert response.json()["count"] == 2


def test_an_instant_is_given_to_the_query_in_utc():
    from iop.api.filters import InstantField

    instant = InstantField().clean("2030-05-06T07:08:09+16:00")
    assert instant == datetime(2030, 5, 5, 15, 8, 9, tzinfo=UTC)
    assert instant.utcoffset() == timedelta(0)


@pytest.fixture
def small_hours():
    """Tomorrow at 08:00 UTC, the clinic's 3 a.m., with the clock running: the seeded sessions
    (at now + N days) then start far from the evening series below, which at some hours of the
    day overlapped one of them for the same facilitator."""
    tomorrow = (timezone.now() + timedelta(days=1)).replace(
        hour=8, minute=0, second=0, microsecond=0
    )
    with time_machine.travel(tomorrow, tick=True):
        yield


def _series(key, clinic, clinician, start_time):
    return key.post(
        "/api/v1/series/",
        {
            "kind": "group",
            "title": "Evening skills group",
            "facilitator": clinician.pk,
            "group": clinic.group.pk,
            "rule": "FREQ=WEEKLY;BYDAY=MO,WE",
            "starts_on": (timezone.now().date() + timedelta(days=1)).isoformat(),
            "start_time": start_time,
            "duration_minutes": 90,
        },
        content_type="application/json",
    )


def test_a_series_start_time_is_what_the_schema_says(
    small_hours, key, client_profile, clinician, admin_user
):
    """`format: time` is RFC 3339's full-time, which carries a UTC offset: every series Harbor
    answered ("18:00:00") broke its own schema."""
    clinic = seed_client(client_profile, clinician, admin=admin_user, name="Ours")
    schemas = yaml.safe_load(key.get("/api/schema/").content)["components"]["schemas"]

    made = _series(key, clinic, clinician, "18:00")
    assert made.status_code == 201, made.content
    first = Session.objects.filter(series_id=made.json()["id"]).order_by("starts_at").first()
    moved = key.post(
        f"/api/v1/sessions/{first.pk}/reschedule-following/",
        {"start_time": "17:30:15.25", "duration_minutes": 60},
        content_type="application/json",
    )
    assert moved.status_code == 200, moved.content

    answered = [made.json()["start_time"], moved.json()["start_time"]]
    assert answered == ["18:00:00", "17:30:15.250000"]
    for name in ("Series", "SeriesInputRequest", "SeriesMoveRequest"):
        documented = schemas[name]["properties"]["start_time"]
        assert "format" not in documented, name
        assert all(re.search(documented["pattern"], value) for value in answered), name


@pytest.mark.parametrize(
    "start_time",
    ["18:00Z", "18:00:00+01:00", "18:00:00.5-05:00", "T18:00", "1800", "18:00:00.1234567", "24:00"]
    + ["１８:００", 1800, None],
)
def test_a_series_start_time_with_an_offset_or_another_shape_is_a_400(
    small_hours, key, client_profile, clinician, admin_user, start_time
):
    """Django read "18:00Z" as 18:00 local time, dropping the offset without a word."""
    clinic = seed_client(client_profile, clinician, admin=admin_user, name="Ours")
    made = _series(key, clinic, clinician, "18:00").json()
    first = Session.objects.filter(series_id=made["id"]).order_by("starts_at").first()

    assert "start_time" in fields_of(_series(key, clinic, clinician, start_time))
    moved = key.post(
        f"/api/v1/sessions/{first.pk}/reschedule-following/",
        {"start_time": start_time, "duration_minutes": 60},
        content_type="application/json",
    )
    assert "start_time" in fields_of(moved)
    assert list(SessionSeries.objects.values_list("start_time", flat=True)) == [
        datetime(2000, 1, 1, 18).time()
    ]
