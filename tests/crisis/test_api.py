"""The crisis API: scoped by program and viewer, scope-checked for keys, audited, validated."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from drf_spectacular.validation import validate_schema

from crisis.models import CheckIn, CrisisEvent, CrisisSource, LocalResource, OnCallShift
from crisis.services import crisis_open, crisis_resolve, escalation_tick, safety_plan_save
from iop.api.models import Scope
from iop.api.services import api_key_create
from iop.audit.models import AccessLog
from tests.conftest import sign_in
from tests.crisis.conftest import PHQ9_ZERO, phq9

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/crisis-events/"
CHECK_INS = "/api/v1/check-ins/"


@pytest.fixture
def make_key(admin_user, program):
    def make(scopes=None, key_program=None):
        _, token = api_key_create(
            actor=admin_user,
            name="EHR",
            program=key_program or program,
            scopes=list(Scope.values) if scopes is None else scopes,
            expires_at=timezone.now() + timedelta(days=30),
        )
        return Client(headers={"authorization": f"Bearer {token}"})

    return make


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}, body
    return body["error"]


def test_instruments_are_readable_as_data(make_key):
    key = make_key(scopes=[Scope.CLIENTS_READ])  # instruments need no particular scope
    listed = key.get("/api/v1/instruments/").json()
    assert [i["code"] for i in listed] == ["phq9", "gad7", "cssrs", "mood"]
    cssrs = key.get("/api/v1/instruments/cssrs/").json()
    assert cssrs["items"][2]["shown_if"] == {"item": "q2", "equals": 1}
    assert {"item": "q9", "above": 0, "risk": "high"}.items() <= key.get(
        "/api/v1/instruments/phq9/"
    ).json()["risk_rules"][0].items()
    assert error_of(key.get("/api/v1/instruments/bdi/"))["code"] == "not_found"


def test_a_key_creates_and_lists_check_ins_and_a_high_risk_one_opens_an_event(
    make_key, team, policy
):
    key = make_key()
    response = key.post(
        CHECK_INS,
        {"client": team["client"].pk, "instrument": "phq9", "answers": phq9(5, item9=2)},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["score"], body["risk"], body["channel"]) == (5, "high", "api")
    assert body["crisis_event"] == CrisisEvent.objects.get().pk
    listed = key.get(CHECK_INS, {"client": team["client"].pk}).json()
    assert [c["id"] for c in listed["results"]] == [body["id"]]
    assert AccessLog.objects.filter(
        api_key__isnull=False, object_type="crisis.CheckIn", action="view"
    ).exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (
            {"instrument": "phq9", "answers": {k: v for k, v in PHQ9_ZERO.items() if k != "q3"}},
            "answers.q3",
        ),
        ({"instrument": "phq9", "answers": dict(PHQ9_ZERO, q1=9)}, "answers.q1"),
        ({"instrument": "cssrs", "answers": {"q1": 1, "q2": 0, "q3": 1, "q6": 0}}, "answers.q3"),
        ({"instrument": "xyz", "answers": {}}, "instrument"),
    ],
)
def test_answers_that_do_not_fit_are_a_400_naming_the_field(
    make_key, client_profile, payload, field
):
    response = make_key().post(
        CHECK_INS, {"client": client_profile.pk, **payload}, content_type="application/json"
    )
    assert response.status_code == 400
    assert field in error_of(response)["fields"]
    assert not CheckIn.objects.exists()


def test_keys_need_the_scope_and_stay_in_their_program(
    make_key, client_profile, far_client_profile, other_program
):
    read_only = make_key(scopes=[Scope.CHECKINS_READ])
    denied = read_only.post(
        CHECK_INS,
        {"client": client_profile.pk, "instrument": "mood", "answers": {"mood": 5}},
        content_type="application/json",
    )
    assert denied.status_code == 403 and error_of(denied)["code"] == "insufficient_scope"
    foreign = make_key(key_program=other_program)
    refused = foreign.post(
        CHECK_INS,
        {"client": client_profile.pk, "instrument": "mood", "answers": {"mood": 5}},
        content_type="application/json",
    )
    assert refused.status_code == 400 and "client" in error_of(refused)["fields"]
    assert make_key(scopes=[Scope.CLIENTS_READ]).get(EVENTS).status_code == 403


def test_crisis_events_over_the_api_create_acknowledge_resolve_and_timeline(make_key, team, policy):
    key = make_key()
    created = key.post(
        EVENTS,
        {"client": team["client"].pk, "summary": "Hotline vendor escalation"},
        content_type="application/json",
    )
    assert created.status_code == 201
    event_id = created.json()["id"]
    assert created.json()["source"] == CrisisSource.API
    again = key.post(EVENTS, {"client": team["client"].pk}, content_type="application/json")
    assert again.status_code == 200 and again.json()["id"] == event_id

    escalation_tick()
    timeline = key.get(f"{EVENTS}{event_id}/timeline/").json()["results"]
    notified = [e for e in timeline if e["kind"] == "notified" and e["message"]]
    assert notified and notified[0]["message"]["status"] == "queued"

    acked = sign_in(team["primary"]).post(f"{EVENTS}{event_id}/acknowledge/")
    assert acked.status_code == 200 and acked.json()["acknowledged_by"]["id"] == team["primary"].pk

    no_disposition = key.post(
        f"{EVENTS}{event_id}/resolve/", {"note": "ok"}, content_type="application/json"
    )
    assert no_disposition.status_code == 400 and "disposition" in error_of(no_disposition)["fields"]
    resolved = key.post(
        f"{EVENTS}{event_id}/resolve/",
        {"disposition": "de_escalated"},
        content_type="application/json",
    )
    assert resolved.status_code == 200 and resolved.json()["state"] == "resolved"

    late_ack = sign_in(team["primary"]).post(f"{EVENTS}{event_id}/acknowledge/")
    assert late_ack.status_code == 409 and "state" in error_of(late_ack)["fields"]
    # Issue 10: an API key cannot acknowledge at all (a person has the crisis in hand).
    assert key.post(f"{EVENTS}{event_id}/acknowledge/").status_code == 403
    assert AccessLog.objects.filter(
        api_key__isnull=False, object_type="crisis.TimelineEntry"
    ).exists()


def test_crisis_events_are_scoped(
    make_key, team, policy, other_clinician, other_program, far_client_profile
):
    event, _ = crisis_open(
        actor=team["client"].user, client=team["client"], source=CrisisSource.HELP_BUTTON
    )
    far, _ = crisis_open(
        actor=far_client_profile.user, client=far_client_profile, source=CrisisSource.HELP_BUTTON
    )
    assert [e["id"] for e in make_key().get(EVENTS).json()["results"]] == [event.pk]
    assert make_key(key_program=other_program).get(f"{EVENTS}{event.pk}/").status_code == 404
    assert sign_in(other_clinician).get(f"{EVENTS}{event.pk}/").status_code == 404
    assert sign_in(other_clinician).post(f"{EVENTS}{event.pk}/acknowledge/").status_code == 404
    own = sign_in(team["client"].user)
    assert [e["id"] for e in own.get(EVENTS).json()["results"]] == [event.pk]
    assert own.get(f"{EVENTS}{event.pk}/timeline/").status_code == 403
    assert own.post(f"{EVENTS}{event.pk}/acknowledge/").status_code == 403
    assert far.pk not in [
        e["id"] for e in sign_in(team["supervisor"]).get(EVENTS).json()["results"]
    ]


def test_a_client_presses_help_through_the_api(team, policy):
    response = sign_in(team["client"].user).post(
        EVENTS, {"client": team["client"].pk}, content_type="application/json"
    )
    assert response.status_code == 201 and response.json()["source"] == "help_button"


def test_safety_plan_versions(make_key, client_profile, clinician, other_clinician):
    safety_plan_save(
        actor=client_profile.user,
        client=client_profile,
        sections={"warning_signs": "a"},
        based_on_version=None,
    )
    safety_plan_save(
        actor=clinician, client=client_profile, sections={"warning_signs": "b"}, based_on_version=1
    )
    listed = (
        make_key(scopes=[Scope.SAFETY_PLANS_READ])
        .get("/api/v1/safety-plans/", {"client": client_profile.pk})
        .json()
    )
    assert [p["version"] for p in listed["results"]] == [2, 1]
    assert listed["results"][0]["sections"][0]["lines"] == ["b"]
    assert sign_in(other_clinician).get("/api/v1/safety-plans/").json()["results"] == []
    assert (
        sign_in(other_clinician)
        .get("/api/v1/safety-plans/", {"client": client_profile.pk})
        .status_code
        == 404
    )
    assert make_key(scopes=[Scope.CRISIS_READ]).get("/api/v1/safety-plans/").status_code == 403


def test_policies_on_call_and_resources(make_key, team, policy, client_profile):
    key = make_key(scopes=[Scope.CRISIS_READ])
    policies = key.get("/api/v1/escalation-policies/").json()["results"]
    assert [len(p["steps"]) for p in policies] == [3]
    shifts = key.get("/api/v1/on-call-shifts/").json()["results"]
    assert shifts[0]["user"]["id"] == team["on_call"].pk and shifts[0]["on_call_now"]
    LocalResource.objects.create(
        name="A", kind="ed", region="r", phone="1", latitude=10, longitude=10
    )
    LocalResource.objects.create(
        name="B", kind="ed", region="r", phone="2", latitude=1, longitude=1
    )
    near = key.get("/api/v1/local-resources/", {"latitude": 0, "longitude": 0}).json()["results"]
    assert [r["name"] for r in near] == ["B", "A"] and near[0]["distance_km"] > 0
    bad = key.get("/api/v1/local-resources/", {"latitude": "north"})
    assert bad.status_code == 400 and "latitude" in error_of(bad)["fields"]
    assert sign_in(client_profile.user).get("/api/v1/escalation-policies/").status_code == 403
    assert OnCallShift.objects.count() == 1


def test_the_schema_lists_the_crisis_endpoints_and_is_valid():
    schema = Client().get("/api/schema/", {"format": "json"}).json()
    validate_schema(schema)
    for path in (
        "/api/v1/instruments/",
        "/api/v1/check-ins/",
        "/api/v1/safety-plans/",
        "/api/v1/crisis-events/",
        "/api/v1/crisis-events/{id}/acknowledge/",
        "/api/v1/crisis-events/{id}/resolve/",
        "/api/v1/crisis-events/{id}/timeline/",
        "/api/v1/escalation-policies/",
        "/api/v1/on-call-shifts/",
        "/api/v1/local-resources/",
    ):
        assert path in schema["paths"], path


def test_resolved_events_via_service_then_api_ack_409(team, policy):
    event, _ = crisis_open(
        actor=team["client"].user, client=team["client"], source=CrisisSource.HELP_BUTTON
    )
    crisis_resolve(actor=team["primary"], event=event, disposition="other")
    response = sign_in(team["primary"]).post(f"{EVENTS}{event.pk}/acknowledge/")
    assert response.status_code == 409
