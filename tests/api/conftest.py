"""API test helpers: API keys, clients that send them, and published consent documents."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from iop.api.models import Scope
from iop.api.services import api_key_create
from iop.consents.models import ConsentKind
from tests.conftest import sign_in
from tests.factories import ConsentDocumentFactory

ALL_SCOPES = list(Scope.values)


def key_client(token: str) -> Client:
    """A test client that authenticates every request with the API key `token`."""
    return Client(headers={"authorization": f"Bearer {token}"})


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Argon2 is deliberately slow and these tests make many people; no test here signs in
    with a password."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def make_key(program, admin_user):
    """make_key(scopes=..., program=..., days=...) -> (ApiKey, token)."""

    def make(*, scopes=None, key_program=None, days: int = 30, owner=admin_user, name="EHR sync"):
        return api_key_create(
            actor=owner,
            name=name,
            program=key_program or program,
            scopes=ALL_SCOPES if scopes is None else scopes,
            expires_at=timezone.now() + timedelta(days=days),
        )

    return make


@pytest.fixture
def api_key(make_key):
    return make_key()


@pytest.fixture
def as_key():
    return key_client


@pytest.fixture
def documents(db):
    """Version 1 of every kind of consent, published a month ago."""
    return {kind: ConsentDocumentFactory(kind=kind, version=1) for kind in ConsentKind.values}


def error_of(response) -> dict:
    """The API's error body, checked for its one shape."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    assert isinstance(body["error"]["fields"], dict)
    assert body["error"]["message"]
    return body["error"]


# Who sees which of the three clients: ours (client_profile), the other caseload's
# (other_client_profile) and the other program's (far_client_profile). "key" is an API key
# of the test program; "other_program_key" one of the other program.
VISIBILITY = {
    "client": {"ours"},
    "clinician": {"ours"},
    "other_clinician": {"other"},
    "supervisor": {"ours", "other"},
    "other_supervisor": {"far"},
    "support_agent": set(),
    "admin_user": {"ours", "other", "far"},
    "key": {"ours", "other"},
    "other_program_key": {"far"},
}


@pytest.fixture
def everyone(client_profile, other_client_profile, far_client_profile):
    return {"ours": client_profile, "other": other_client_profile, "far": far_client_profile}


@pytest.fixture
def browser_for(request, make_key, other_program):
    """browser_for(persona) -> a test client acting as one of the VISIBILITY personas."""

    def browser(persona: str) -> Client:
        if persona == "key":
            return key_client(make_key()[1])
        if persona == "other_program_key":
            return key_client(make_key(key_program=other_program)[1])
        if persona == "client":
            return sign_in(request.getfixturevalue("client_profile").user)
        return sign_in(request.getfixturevalue(persona))

    return browser
