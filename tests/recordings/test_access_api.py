"""/api/v1/recording-requests/: each kind of caller, the state filter, and the error shape."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from iop.api.models import Scope
from iop.api.services import api_key_create
from recordings.models import AccessRequestState, RecordingAccessRequest
from recordings.services import access_request_create
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

URL = "/api/v1/recording-requests/"


def key(admin, program, scopes) -> Client:
    _, token = api_key_create(
        actor=admin,
        name="EHR sync",
        program=program,
        scopes=scopes,
        expires_at=timezone.now() + timedelta(days=30),
    )
    return Client(headers={"authorization": f"Bearer {token}"})


def post(browser: Client, path: str, body: dict | None = None):
    return browser.post(path, body or {}, content_type="application/json")


@pytest.fixture
def asked(qa_recording, client_profile):
    return access_request_create(actor=client_profile.user, recording=qa_recording, reason="why")


def test_a_client_asks_through_the_api(qa_recording, client_profile, clinician):
    browser = sign_in(client_profile.user)
    response = post(browser, URL, {"recording": qa_recording.pk, "reason": "to remember"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "pending" and body["recording"] == qa_recording.pk
    assert body["client"] == client_profile.pk and body["reason"] == "to remember"
    again = post(browser, URL, {"recording": qa_recording.pk})
    assert again.status_code == 409
    assert again.json()["error"]["fields"] == {
        "recording": ["A request for this recording is already waiting."]
    }
    assert post(sign_in(clinician), URL, {"recording": qa_recording.pk}).status_code == 403


def test_a_client_not_in_the_recording_gets_404(qa_recording, other_client_profile):
    response = post(sign_in(other_client_profile.user), URL, {"recording": qa_recording.pk})
    assert response.status_code == 404
    assert not RecordingAccessRequest.objects.exists()


@pytest.mark.parametrize("body", [{}, {"recording": "x"}, {"recording": 0}, {"recording": 2**70}])
def test_bad_input_names_the_field(qa_recording, client_profile, body):
    response = post(sign_in(client_profile.user), URL, body)
    assert response.status_code == 400
    assert "recording" in response.json()["error"]["fields"]


def test_decisions_need_a_reason_and_a_decider(
    asked, clinician, other_clinician, supervisor, admin_user, client_profile
):
    path = f"{URL}{asked.pk}/approve/"
    refused = post(sign_in(clinician), path)
    assert refused.status_code == 400
    assert "reason" in refused.json()["error"]["fields"]
    assert post(sign_in(other_clinician), path, {"reason": "ok"}).status_code == 404
    assert post(sign_in(admin_user), path, {"reason": "ok"}).status_code == 403
    assert post(sign_in(client_profile.user), path, {"reason": "ok"}).status_code == 403
    approved = post(sign_in(supervisor), path, {"reason": "For your review."})
    assert approved.status_code == 200
    assert approved.json()["state"] == "approved"
    assert approved.json()["access_until"] is not None
    assert post(sign_in(clinician), f"{URL}{asked.pk}/decline/", {"reason": "no"}).status_code == (
        409
    )


def test_decline_and_withdraw(qa_recording, asked, clinician, client_profile, jordan):
    declined = post(sign_in(clinician), f"{URL}{asked.pk}/decline/", {"reason": "Not yet."})
    assert declined.json()["state"] == AccessRequestState.DECLINED
    again = access_request_create(actor=client_profile.user, recording=qa_recording)
    assert post(sign_in(jordan.user), f"{URL}{again.pk}/withdraw/").status_code == 404
    assert post(sign_in(clinician), f"{URL}{again.pk}/withdraw/").status_code == 403
    withdrawn = post(sign_in(client_profile.user), f"{URL}{again.pk}/withdraw/")
    assert withdrawn.status_code == 200 and withdrawn.json()["state"] == "withdrawn"


def test_list_filter_and_scope(
    asked, client_profile, other_client_profile, clinician, admin_user, program, other_program
):
    mine = sign_in(client_profile.user).get(URL).json()
    assert [r["id"] for r in mine["results"]] == [asked.pk]
    assert sign_in(other_client_profile.user).get(URL).json()["results"] == []
    staff = sign_in(clinician)
    assert [r["id"] for r in staff.get(URL, {"state": "pending"}).json()["results"]] == [asked.pk]
    assert staff.get(URL, {"state": "approved"}).json()["results"] == []
    bad = staff.get(URL, {"state": "maybe"})
    assert bad.status_code == 400 and "state" in bad.json()["error"]["fields"]
    reader = key(admin_user, program, [Scope.RECORDINGS_READ])
    assert [r["id"] for r in reader.get(URL).json()["results"]] == [asked.pk]
    assert reader.get(f"{URL}{asked.pk}/").status_code == 200
    assert post(reader, f"{URL}{asked.pk}/approve/", {"reason": "ok"}).status_code == 403
    assert key(admin_user, program, [Scope.CLIENTS_READ]).get(URL).status_code == 403
    elsewhere = key(admin_user, other_program, [Scope.RECORDINGS_READ])
    assert elsewhere.get(URL).json()["results"] == []
    assert elsewhere.get(f"{URL}{asked.pk}/").status_code == 404
