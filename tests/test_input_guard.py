"""A NUL byte anywhere in a request is a 400, never a DataError from PostgreSQL (issue 11.9)."""

from __future__ import annotations

import pytest

from crisis.models import CrisisEvent, SafetyPlan
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_a_nul_in_a_path_is_a_400_not_a_database_error(client):
    response = client.get("/sessions/ical/abc%00.ics")
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_a_nul_under_the_api_answers_in_the_error_shape(client):
    response = client.get("/api/v1/crisis-events/?state=open%00")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"query": [response.json()["error"]["message"]]}


def test_a_nul_in_a_json_body_changes_nothing(client_profile):
    browser = sign_in(client_profile.user)
    response = browser.post(
        "/api/v1/safety-plans/",
        '{"client": CLIENT, "sections": {"warning_signs": "bad\\u0000night"}}'.replace(
            "CLIENT", str(client_profile.pk)
        ),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"body": [response.json()["error"]["message"]]}
    assert not SafetyPlan.objects.exists()


def test_a_nul_in_a_form_is_refused(client_profile):
    browser = sign_in(client_profile.user)
    encoded = browser.post(
        "/accounts/profile/",
        "full_name=A%00B",
        content_type="application/x-www-form-urlencoded",
    )
    assert encoded.status_code == 400
    # Multipart forms are parsed by Django's form fields, which refuse NUL themselves.
    multipart = browser.post("/accounts/profile/", {"full_name": "A\x00B"})
    assert multipart.status_code == 200  # the form again, with its errors
    client_profile.user.refresh_from_db()
    assert "\x00" not in client_profile.user.full_name


def test_ordinary_requests_pass(client_profile):
    assert sign_in(client_profile.user).get("/sessions/").status_code == 200


def test_percent_zero_zero_in_json_is_only_text(client_profile):
    """In a JSON body "%00" is three characters; only a form body decodes it to a NUL."""
    response = sign_in(client_profile.user).post(
        "/api/v1/crisis-events/",
        {"client": client_profile.pk, "summary": "100%00 done in"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert CrisisEvent.objects.get().summary == "100%00 done in"
