"""Who may call the API: API keys (hashed, scoped, expiring, revocable) and verified sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY

from iop.api.models import ApiKey, Scope
from iop.api.services import api_key_revoke
from tests.api.conftest import error_of, key_client
from tests.conftest import sign_in
from tests.factories import totp_device

pytestmark = pytest.mark.django_db

CLIENTS = "/api/v1/clients/"


def test_a_valid_key_authenticates(api_key, client_profile):
    _, token = api_key
    response = key_client(token).get(CLIENTS)
    assert response.status_code == 200
    assert [c["id"] for c in response.json()["results"]] == [client_profile.pk]


def test_no_credentials_is_401_with_the_error_shape():
    response = Client().get(CLIENTS)
    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_the_key_is_stored_hashed(api_key):
    key, token = api_key
    secret = token.split("_", 2)[2]
    assert key.secret_hash != secret
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM api_apikey")
        stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert key.prefix in stored
    assert secret not in stored
    assert token not in stored


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # wrong secret
        lambda token: "hbr_00000000_" + token.split("_", 2)[2],  # unknown prefix
        lambda token: token.replace("hbr_", "xyz_", 1),  # not a Harbor key
        lambda token: token.rsplit("_", 1)[0],  # truncated
        lambda token: "hbr__",
    ],
)
def test_a_wrong_key_is_401(api_key, mangle):
    _, token = api_key
    response = key_client(mangle(token)).get(CLIENTS)
    assert response.status_code == 401
    assert error_of(response)["code"] == "invalid_api_key"


def test_a_malformed_authorization_header_is_401(api_key):
    _, token = api_key
    response = Client(headers={"authorization": f"Bearer {token} extra"}).get(CLIENTS)
    assert response.status_code == 401
    assert error_of(response)["code"] == "invalid_api_key"


def test_a_wrong_key_is_refused_even_with_a_signed_in_session(api_key, clinician):
    browser = sign_in(clinician)
    assert browser.get(CLIENTS).status_code == 200
    response = browser.get(CLIENTS, headers={"authorization": "Bearer hbr_deadbeef_nope"})
    assert response.status_code == 401


def test_an_expired_key_is_401(api_key):
    key, token = api_key
    with time_machine.travel(key.expires_at + timedelta(seconds=1)):
        response = key_client(token).get(CLIENTS)
    assert response.status_code == 401
    assert error_of(response)["code"] == "api_key_expired"


def test_a_revoked_key_is_401(api_key, admin_user):
    key, token = api_key
    assert key_client(token).get(CLIENTS).status_code == 200
    assert api_key_revoke(actor=admin_user, key=key) is True
    response = key_client(token).get(CLIENTS)
    assert response.status_code == 401
    assert error_of(response)["code"] == "api_key_revoked"
    assert api_key_revoke(actor=admin_user, key=key) is False


@pytest.mark.parametrize(
    ("path", "needed"),
    [
        (CLIENTS, Scope.CLIENTS_READ),
        ("/api/v1/consents/", Scope.CONSENTS_READ),
    ],
)
def test_a_key_without_the_scope_is_403_naming_it(make_key, client_profile, path, needed):
    others = [s for s in Scope.values if s != needed]
    _, token = make_key(scopes=others)
    response = key_client(token).get(path)
    assert response.status_code == 403
    error = error_of(response)
    assert error["code"] == "insufficient_scope"
    assert needed in error["message"]


def test_client_detail_and_consent_states_need_their_scopes(make_key, client_profile):
    _, clients_only = make_key(scopes=[Scope.CLIENTS_READ])
    _, consents_only = make_key(scopes=[Scope.CONSENTS_READ])
    detail = f"/api/v1/clients/{client_profile.pk}/"
    states = f"/api/v1/clients/{client_profile.pk}/consents/"
    assert key_client(clients_only).get(detail).status_code == 200
    assert error_of(key_client(consents_only).get(detail))["code"] == "insufficient_scope"
    assert key_client(consents_only).get(states).status_code == 200
    assert error_of(key_client(clients_only).get(states))["code"] == "insufficient_scope"


def test_last_used_is_written_at_most_once_a_minute(api_key):
    key, token = api_key
    assert key.last_used_at is None
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        key_client(token).get("/api/v1/me/")
        first = ApiKey.objects.get(pk=key.pk).last_used_at
        assert first == start
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        key_client(token).get("/api/v1/me/")
        assert ApiKey.objects.get(pk=key.pk).last_used_at == first
    later = start + timedelta(seconds=61)
    with time_machine.travel(later, tick=False):
        key_client(token).get("/api/v1/me/")
        assert ApiKey.objects.get(pk=key.pk).last_used_at == later


@pytest.mark.parametrize("persona", ["clinician", "supervisor", "support_agent", "admin_user"])
def test_staff_without_a_verified_device_are_refused(request, persona):
    staff = request.getfixturevalue(persona)
    response = sign_in(staff, verified=False).get(CLIENTS)
    assert response.status_code == 403
    assert error_of(response)["code"] == "two_factor_required"


def test_the_permission_refuses_unverified_staff_even_without_the_middleware(settings, clinician):
    """Defence in depth: drop the two-factor middleware and the API still says no."""
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if m != "iop.accounts.middleware.StaffTwoFactorMiddleware"
    ]
    response = sign_in(clinician, verified=False).get(CLIENTS)
    assert response.status_code == 403
    assert error_of(response)["code"] == "two_factor_required"
    assert sign_in(clinician).get(CLIENTS).status_code == 200


def test_clients_need_no_second_factor(client_profile):
    response = sign_in(client_profile.user).get(CLIENTS)
    assert response.status_code == 200


def test_session_writes_need_the_csrf_token(clinician, client_profile, documents):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(clinician)
    session = browser.session
    session[DEVICE_ID_SESSION_KEY] = totp_device(clinician).persistent_id
    session.save()
    body = {"client": client_profile.pk, "kind": "sms", "method": "paper"}
    response = browser.post("/api/v1/consents/", body, content_type="application/json")
    assert response.status_code == 403
    assert error_of(response)["code"] == "csrf_failed"

    token = "harborcsrfsecret0123456789abcdef"  # any 32 letters and digits
    browser.cookies["csrftoken"] = token
    response = browser.post(
        "/api/v1/consents/", body, content_type="application/json", headers={"x-csrftoken": token}
    )
    assert response.status_code == 201, response.json()


def test_api_keys_need_no_csrf_token(make_key, client_profile, documents):
    _, token = make_key(scopes=[Scope.CONSENTS_WRITE])
    browser = Client(enforce_csrf_checks=True, headers={"authorization": f"Bearer {token}"})
    body = {"client": client_profile.pk, "kind": "sms", "method": "paper"}
    response = browser.post("/api/v1/consents/", body, content_type="application/json")
    assert response.status_code == 201, response.json()


@override_settings(API_KEY_THROTTLE_RATE="2/min")
def test_a_key_over_its_budget_gets_429(api_key):
    _, token = api_key
    browser = key_client(token)
    assert browser.get("/api/v1/me/").status_code == 200
    assert browser.get("/api/v1/me/").status_code == 200
    response = browser.get("/api/v1/me/")
    assert response.status_code == 429
    assert error_of(response)["code"] == "throttled"
    assert int(response["Retry-After"]) > 0


@override_settings(API_KEY_THROTTLE_RATE="3/min")
def test_the_budget_slides_back_and_refused_requests_do_not_spend_it(api_key):
    _, token = api_key
    browser = key_client(token)
    with time_machine.travel("2026-03-02 10:00:30Z", tick=False) as clock:
        assert [browser.get("/api/v1/me/").status_code for _ in range(4)] == [200, 200, 200, 429]
        for _ in range(5):  # hammering while refused changes nothing
            assert browser.get("/api/v1/me/").status_code == 429
        # Next minute, half the last one still overlaps the window: 3 x 0.5 = 1.5 spent.
        clock.move_to("2026-03-02 10:01:30Z")
        assert browser.get("/api/v1/me/").status_code == 200
        assert browser.get("/api/v1/me/").status_code == 429
        # Two minutes on, the whole budget is back.
        clock.move_to("2026-03-02 10:03:00Z")
        assert [browser.get("/api/v1/me/").status_code for _ in range(4)] == [200, 200, 200, 429]
