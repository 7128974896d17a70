"""Idempotency-Key on POSTs under /api/: a retry gets the first response and does nothing twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from crisis.models import CheckIn
from iop.api.idempotency import HEADER
from iop.api.models import IdempotentRequest, Scope
from iop.api.services import idempotent_requests_purge
from iop.api.tasks import idempotency_purge_task
from iop.consents.models import ConsentKind, ConsentRecord
from tests.api.conftest import key_client
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def key(make_key):
    return key_client(make_key()[1])


def _grant(browser, client_profile, idempotency_key: str | None, note: str = "by phone"):
    headers = {HEADER: idempotency_key} if idempotency_key is not None else {}
    return browser.post(
        "/api/v1/consents/",
        {
            "client": client_profile.pk,
            "kind": ConsentKind.SMS,
            "method": "paper",
            "note": note,
        },
        content_type="application/json",
        headers=headers,
    )


def test_a_repeat_returns_the_first_response_and_does_nothing_twice(key, client_profile, documents):
    first = _grant(key, client_profile, "a3f1c2d4-0001")
    again = _grant(key, client_profile, "a3f1c2d4-0001")

    assert first.status_code == 201, first.content
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")
    assert ConsentRecord.objects.filter(client=client_profile).count() == 1
    # Without the header a repeat is a new request.
    assert _grant(key, client_profile, None).status_code == 201
    assert ConsentRecord.objects.filter(client=client_profile).count() == 2


def test_the_same_key_with_a_different_body_is_a_409_and_does_nothing(
    key, client_profile, documents
):
    assert _grant(key, client_profile, "k-1").status_code == 201

    reused = _grant(key, client_profile, "k-1", note="in person")

    assert reused.status_code == 409
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    assert ConsentRecord.objects.filter(client=client_profile).count() == 1


def test_keys_belong_to_their_caller(make_key, client_profile, documents):
    ours, theirs = key_client(make_key()[1]), key_client(make_key(name="Billing")[1])

    assert _grant(ours, client_profile, "shared").status_code == 201
    second = _grant(theirs, client_profile, "shared")

    assert second.status_code == 201 and not second.has_header("Idempotent-Replayed")
    assert ConsentRecord.objects.filter(client=client_profile).count() == 2


def test_a_signed_in_person_gets_replays_too(clinician, client_profile, documents):
    browser = sign_in(clinician)

    first = _grant(browser, client_profile, "from-the-dashboard")
    again = _grant(browser, client_profile, "from-the-dashboard")

    assert first.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert ConsentRecord.objects.filter(client=client_profile).count() == 1


def test_a_validation_error_is_kept_but_a_refusal_is_not(make_key, client_profile, documents):
    key = key_client(make_key()[1])
    bad = key.post(
        "/api/v1/consents/", {"client": "x"}, content_type="application/json", headers={HEADER: "v"}
    )
    assert bad.status_code == 400
    replay = key.post(
        "/api/v1/consents/", {"client": "x"}, content_type="application/json", headers={HEADER: "v"}
    )
    assert replay.status_code == 400 and replay["Idempotent-Replayed"] == "true"

    reader = key_client(make_key(scopes=[Scope.CONSENTS_READ], name="Reader")[1])
    assert _grant(reader, client_profile, "r").status_code == 403
    assert not IdempotentRequest.objects.filter(key="r").exists()


def test_a_malformed_key_is_a_400_naming_the_header(key, client_profile, documents):
    for value in ("", "has space", "x" * 256):
        response = _grant(key, client_profile, value)
        assert response.status_code == 400, value
        assert HEADER in response.json()["error"]["fields"]
    assert not ConsentRecord.objects.exists()


def test_a_repeat_while_the_first_still_runs_is_a_409_with_retry_after(
    key, client_profile, documents
):
    assert _grant(key, client_profile, "busy").status_code == 201
    # As the row stands while the first request is still inside the view.
    IdempotentRequest.objects.filter(key="busy").update(status_code=None, body="")

    response = _grant(key, client_profile, "busy")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_in_progress"
    assert response["Retry-After"] == "1"
    assert ConsentRecord.objects.count() == 1


def test_an_expired_key_runs_again_and_the_sweep_forgets_old_keys(key, client_profile, documents):
    assert _grant(key, client_profile, "old").status_code == 201
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        again = _grant(key, client_profile, "old")
        assert again.status_code == 201 and not again.has_header("Idempotent-Replayed")
        assert ConsentRecord.objects.filter(client=client_profile).count() == 2
        assert _grant(key, client_profile, "other").status_code == 201
    with time_machine.travel(timezone.now() + timedelta(hours=50)):
        assert idempotency_purge_task() == 2
        assert idempotent_requests_purge() == 0
    assert not IdempotentRequest.objects.exists()


def test_a_check_in_sent_twice_with_one_key_is_recorded_once(make_key, client_profile):
    key = key_client(make_key()[1])
    body = {"client": client_profile.pk, "instrument": "mood", "answers": {"mood": 4}}

    first = key.post(
        "/api/v1/check-ins/", body, content_type="application/json", headers={HEADER: "c1"}
    )
    again = key.post(
        "/api/v1/check-ins/", body, content_type="application/json", headers={HEADER: "c1"}
    )

    assert first.status_code == 201, first.content
    assert again.json() == first.json()
    assert CheckIn.objects.filter(client=client_profile).count() == 1


def test_the_stored_response_is_encrypted_at_rest(key, client_profile, documents):
    _grant(key, client_profile, "secret")

    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM api_idempotentrequest WHERE key = 'secret'")
        (stored,) = cursor.fetchone()
    assert stored and '"client"' not in stored and "grant" not in stored


def test_every_post_in_the_schema_documents_the_header_and_409(client):
    schema = client.get("/api/schema/", headers={"accept": "application/json"}).json()
    posts = [op for path in schema["paths"].values() for m, op in path.items() if m == "post"]

    assert posts
    for operation in posts:
        names = [p["name"] for p in operation.get("parameters", [])]
        assert HEADER in names, operation["operationId"]
        assert "409" in operation["responses"], operation["operationId"]
