"""API keys in the admin: the token is shown once, only the prefix afterwards, and revocable."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from iop.api.models import ApiKey
from tests.api.conftest import key_client
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

ADD = "/admin/api/apikey/add/"
TOKEN = re.compile(r'<code id="api-key-token"[^>]*>(hbr_[^<]+)</code>')


def _create(browser, program, **overrides):
    expires = timezone.localtime() + timedelta(days=90)
    data = {
        "name": "EHR sync",
        "program": program.pk,
        "scopes": ["clients:read", "consents:read"],
        "expires_at_0": expires.strftime("%Y-%m-%d"),
        "expires_at_1": expires.strftime("%H:%M:%S"),
        **overrides,
    }
    return browser.post(ADD, data)


def test_creating_a_key_shows_the_token_once(admin_user, program, client_profile):
    browser = sign_in(admin_user)
    assert browser.get(ADD).status_code == 200
    response = _create(browser, program)
    assert response.status_code == 200
    page = response.content.decode()
    token = TOKEN.search(page).group(1)
    key = ApiKey.objects.get()
    assert key.created_by == admin_user
    assert key.scopes == ["clients:read", "consents:read"]
    assert token.startswith(f"hbr_{key.prefix}_")
    assert key.secret_hash not in page

    assert key_client(token).get("/api/v1/clients/").status_code == 200

    change = browser.get(f"/admin/api/apikey/{key.pk}/change/").content.decode()
    changelist = browser.get("/admin/api/apikey/").content.decode()
    for later in (change, changelist):
        assert key.prefix in later
        assert token not in later
        assert token.split("_", 2)[2] not in later
        assert key.secret_hash not in later


def test_a_key_needs_a_scope_and_a_future_expiry(admin_user, program):
    browser = sign_in(admin_user)
    response = _create(browser, program, scopes=[])
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    past = timezone.localtime() - timedelta(days=1)
    response = _create(
        browser,
        program,
        expires_at_0=past.strftime("%Y-%m-%d"),
        expires_at_1=past.strftime("%H:%M:%S"),
    )
    assert "The expiry must be in the future." in response.content.decode()
    assert not ApiKey.objects.exists()


def test_the_revoke_action_stops_the_key(admin_user, api_key):
    key, token = api_key
    browser = sign_in(admin_user)
    response = browser.post(
        "/admin/api/apikey/", {"action": "revoke", "_selected_action": [key.pk]}, follow=True
    )
    assert response.status_code == 200
    assert "Revoked 1 API key(s)." in response.content.decode()
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert key_client(token).get("/api/v1/me/").status_code == 401


def test_keys_cannot_be_deleted_in_the_admin(admin_user, api_key):
    key, _ = api_key
    response = sign_in(admin_user).get(f"/admin/api/apikey/{key.pk}/delete/")
    assert response.status_code == 403
    assert ApiKey.objects.filter(pk=key.pk).exists()
