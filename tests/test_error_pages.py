"""The 404, 403, 500 and CSRF-failure pages are Harbor's own, with the help bar for clients;
under /api/ the same failures answer in the API's JSON error shape."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client, override_settings

from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

BUGGY_URLS = "tests.api.urls_with_a_bug"


def assert_harbor_page(response, status: int, heading: str, *, help_bar: bool) -> str:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert heading in html
    assert "· Harbor</title>" in html  # extends base.html
    assert "Django" not in html and "Traceback" not in html
    assert ('id="help-bar"' in html) is help_bar
    if help_bar:
        assert f"tel:{settings.CLINIC_CRISIS_LINE}" in html
        assert "988" in html
    return html


def test_404_for_someone_signed_out_has_the_help_bar():
    response = Client().get("/no-such-page/")

    assert_harbor_page(response, 404, "We can't find that page", help_bar=True)


def test_404_for_a_client_has_the_help_bar(client_profile):
    response = sign_in(client_profile.user).get("/no-such-page/")

    assert_harbor_page(response, 404, "We can't find that page", help_bar=True)


def test_404_for_staff_has_no_help_bar(clinician):
    response = sign_in(clinician).get("/no-such-page/")

    assert_harbor_page(response, 404, "We can't find that page", help_bar=False)


def test_404_for_a_missing_record_is_harbors_page(client_profile):
    response = sign_in(client_profile.user).get("/sessions/999999/")

    assert response.status_code == 404
    assert "We can't find that page" in response.content.decode()


@override_settings(ROOT_URLCONF=BUGGY_URLS)
def test_403_is_harbors_page(client_profile):
    response = sign_in(client_profile.user).get("/forbidden/")

    assert_harbor_page(response, 403, "isn't available to you", help_bar=True)


def test_a_csrf_failure_is_harbors_page():
    browser = Client(enforce_csrf_checks=True)

    response = browser.post("/accounts/login/", {"username": "a@example.org", "password": "x"})

    assert_harbor_page(response, 403, "Please try again", help_bar=True)


def test_a_csrf_failure_under_the_api_is_json(client_profile):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(client_profile.user)

    response = browser.post("/api/v1/me/", {})

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"


@override_settings(ROOT_URLCONF=BUGGY_URLS)
def test_500_is_harbors_page_with_the_help_bar(client_profile):
    browser = sign_in(client_profile.user)
    browser.raise_request_exception = False

    response = browser.get("/boom/")

    assert_harbor_page(response, 500, "Something went wrong on our side", help_bar=True)
    assert "ZeroDivisionError" not in response.content.decode()


@override_settings(ROOT_URLCONF=BUGGY_URLS)
def test_500_under_the_api_is_json(clinician):
    browser = sign_in(clinician)
    browser.raise_request_exception = False

    response = browser.get("/api/v1/boom/")

    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"


def test_the_handlers_are_harbors():
    from iop import urls

    assert urls.handler404 == "iop.error_pages.page_not_found"
    assert urls.handler403 == "iop.error_pages.permission_denied"
    assert urls.handler500 == "iop.error_pages.server_error"
    assert settings.CSRF_FAILURE_VIEW == "iop.error_pages.csrf_failure"
