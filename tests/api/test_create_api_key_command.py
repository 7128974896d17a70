"""manage.py create_api_key prints the token once, and that token works."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from iop.api.models import ApiKey
from tests.api.conftest import key_client

pytestmark = pytest.mark.django_db


def _run(**options) -> str:
    out = StringIO()
    call_command("create_api_key", stdout=out, **options)
    return out.getvalue()


def test_it_prints_a_working_token_once(program, client_profile):
    output = _run(
        name="EHR sync", program=program.name, scopes="clients:read,consents:read", days=90
    )
    tokens = re.findall(r"hbr_\S+", output)
    assert len(tokens) == 1
    token = tokens[0]
    assert output.count(token) == 1
    key = ApiKey.objects.get()
    assert key.program == program
    assert key.scopes == ["clients:read", "consents:read"]
    assert 89 <= (key.expires_at - timezone.now()).days <= 90
    assert token.split("_", 2)[2] not in key.secret_hash

    response = key_client(token).get("/api/v1/clients/")
    assert response.status_code == 200
    assert [c["id"] for c in response.json()["results"]] == [client_profile.pk]
    assert key_client(token).get("/api/v1/me/").json()["name"] == "EHR sync"


def test_the_program_may_be_given_by_id(program):
    _run(name="Billing", program=str(program.pk), scopes="clients:read")
    assert ApiKey.objects.get().program == program


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"program": "Nowhere", "scopes": "clients:read"}, "No program"),
        ({"scopes": "clients:read,everything"}, "Unknown scope everything"),
        ({"scopes": ""}, "at least one scope"),
        ({"scopes": "consents:write"}, "--owner is required"),
        ({"scopes": "clients:read", "days": 0}, "--days"),
        ({"scopes": "clients:read", "owner": "nobody@example.org"}, "No active user"),
    ],
)
def test_bad_options_fail_clearly_and_make_nothing(program, options, message):
    options = {"name": "X", "program": program.name, **options}
    with pytest.raises(CommandError, match=message):
        _run(**options)
    assert not ApiKey.objects.exists()


def test_the_owner_must_be_an_administrator(program, clinician):
    with pytest.raises(CommandError, match="administrator"):
        _run(name="X", program=program.name, scopes="consents:write", owner=clinician.email)


def test_a_write_key_records_as_its_owner(program, admin_user):
    _run(name="EHR", program=program.name, scopes="consents:write", owner=admin_user.email)
    assert ApiKey.objects.get().created_by == admin_user
