"""/api/v1/me/: the signed-in person, or the API key."""

from __future__ import annotations

import pytest

from iop.api.models import Scope
from tests.api.conftest import key_client
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_a_client_sees_themself_and_their_client_id(client_profile):
    user = client_profile.user
    body = sign_in(user).get("/api/v1/me/").json()
    assert body == {
        "type": "user",
        "id": user.pk,
        "email": "client@example.org",
        "name": "Casey Client",
        "preferred_name": "",
        "role": "client",
        "time_zone": "America/New_York",
        "client_id": client_profile.pk,
    }


def test_staff_have_no_client_id(clinician):
    body = sign_in(clinician).get("/api/v1/me/").json()
    assert body["role"] == "clinician"
    assert body["email"] == "clinician@example.org"
    assert body["client_id"] is None


def test_an_api_key_sees_its_name_program_and_scopes(make_key, program):
    key, token = make_key(scopes=[Scope.CLIENTS_READ], name="Billing export")
    body = key_client(token).get("/api/v1/me/").json()
    assert body["type"] == "api_key"
    assert body["name"] == "Billing export"
    assert body["prefix"] == key.prefix
    assert body["program"] == {"id": program.pk, "name": program.name}
    assert body["scopes"] == ["clients:read"]
    assert "secret_hash" not in body
