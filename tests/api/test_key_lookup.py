"""The API key lookup keeps the instances it built per process, but reads the key's row on every
request: a change made anywhere (another process, a plain UPDATE) counts from the next request."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from iop.accounts.models import Program
from iop.api.key_lookup import api_key_by_prefix
from iop.api.models import ApiKey, Scope
from tests.api.conftest import error_of, key_client

pytestmark = pytest.mark.django_db

CLIENTS = "/api/v1/clients/"


def _fields(instance) -> dict:
    return {k: v for k, v in instance.__dict__.items() if k != "_state"}


def test_the_key_is_the_one_the_orm_builds_in_one_query(api_key):
    key, _ = api_key
    for _ in range(2):  # built, then kept
        with CaptureQueriesContext(connection) as queries:
            found = api_key_by_prefix(key.prefix)
        assert len(queries) == 1
        expected = ApiKey.objects.select_related("program", "created_by").get(pk=key.pk)
        assert _fields(found) == _fields(expected)
        assert _fields(found.program) == _fields(expected.program)
        assert _fields(found.created_by) == _fields(expected.created_by)
        assert found._state.adding is False and found._state.db == "default"
    assert api_key_by_prefix("nosuchkey") is None


def test_each_request_gets_its_own_copy(api_key):
    key, _ = api_key
    first, second = api_key_by_prefix(key.prefix), api_key_by_prefix(key.prefix)
    assert first is not second and first._state is not second._state
    first.name = "changed on one request"
    assert second.name == key.name


def test_a_change_made_behind_the_process_counts_from_the_next_request(api_key, program):
    key, token = api_key
    assert key_client(token).get(CLIENTS).status_code == 200
    # As another process would: straight to the database, no signal, no service.
    ApiKey.objects.filter(pk=key.pk).update(scopes=[Scope.CONSENTS_READ])
    response = key_client(token).get(CLIENTS)
    assert response.status_code == 403
    assert error_of(response)["code"] == "insufficient_scope"
    Program.objects.filter(pk=program.pk).update(name="Renamed IOP")
    assert api_key_by_prefix(key.prefix).program.name == "Renamed IOP"
    ApiKey.objects.filter(pk=key.pk).update(revoked_at=key.created_at)
    response = key_client(token).get(CLIENTS)
    assert response.status_code == 401
    assert error_of(response)["code"] == "api_key_revoked"
