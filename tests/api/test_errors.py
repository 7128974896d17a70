"""Every failure under /api/ answers {"error": {"code", "message", "fields"}}."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.test import Client, override_settings
from rest_framework import exceptions

from iop.api.errors import exception_handler
from iop.domain import Conflict, NotAllowed, NotFound
from tests.api.conftest import error_of, key_client
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_unknown_api_url_is_a_json_404(clinician):
    response = sign_in(clinician).get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert error_of(response)["code"] == "not_found"


def test_a_missing_slash_points_at_the_right_url(api_key):
    _, token = api_key
    response = key_client(token).get("/api/v1/me")
    assert response.status_code == 404
    assert "/api/v1/me/" in error_of(response)["message"]


def test_unknown_api_url_is_404_even_when_signed_out():
    response = Client().get("/api/v2/clients/")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_a_non_numeric_id_is_a_json_404(clinician):
    response = sign_in(clinician).get("/api/v1/clients/abc/")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_wrong_method_is_405(clinician):
    response = sign_in(clinician).delete("/api/v1/me/")
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"


def test_malformed_json_is_400(clinician):
    response = sign_in(clinician).post(
        "/api/v1/consents/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "parse_error"


def test_a_bad_page_number_is_404(clinician, client_profile):
    response = sign_in(clinician).get("/api/v1/clients/?page=99")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


@override_settings(ROOT_URLCONF="tests.api.urls_with_a_bug")
def test_an_unhandled_error_is_a_json_500(clinician):
    browser = sign_in(clinician)
    browser.raise_request_exception = False
    response = browser.get("/api/v1/boom/")
    assert response.status_code == 500
    assert error_of(response)["code"] == "server_error"
    assert "ZeroDivisionError" not in response.content.decode()


@override_settings(ROOT_URLCONF="tests.api.urls_with_a_bug")
@pytest.mark.parametrize("path", ["/api/v1/busy/", "/busy/"])
def test_no_database_connection_in_time_is_a_503_with_retry_after(clinician, path):
    """An overloaded process whose pool gave no connection in time: back off, not a bug."""
    browser = sign_in(clinician)
    browser.raise_request_exception = False
    response = browser.get(path)
    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert "PoolTimeout" not in response.content.decode()
    if path.startswith("/api/"):
        assert error_of(response)["code"] == "unavailable"
    else:
        assert not response["Content-Type"].startswith("application/json")


@override_settings(ROOT_URLCONF="tests.api.urls_with_a_bug")
def test_an_unhandled_error_outside_the_api_is_not_json(clinician):
    browser = sign_in(clinician)
    browser.raise_request_exception = False
    response = browser.get("/boom/")
    assert response.status_code == 500
    assert not response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    ("exc", "status", "code", "fields"),
    [
        (NotAllowed("no"), 403, "forbidden", {}),
        (NotFound("gone"), 404, "not_found", {}),
        (Conflict("again"), 409, "conflict", {}),
        (DjangoValidationError({"kind": ["Bad kind."]}), 400, "invalid", {"kind": ["Bad kind."]}),
        (
            DjangoValidationError({"__all__": ["Both."]}),
            400,
            "invalid",
            {"non_field_errors": ["Both."]},
        ),
        (DjangoValidationError("Plain."), 400, "invalid", {"non_field_errors": ["Plain."]}),
        (
            exceptions.ValidationError({"items": [{}, {"name": ["Required."]}]}),
            400,
            "invalid",
            {"items.1.name": ["Required."]},
        ),
        (exceptions.Throttled(wait=3), 429, "throttled", {}),
    ],
)
def test_the_handler_maps_each_kind_of_failure(exc, status, code, fields):
    response = exception_handler(exc, {})
    assert response.status_code == status
    assert response.data == {
        "error": {"code": code, "message": response.data["error"]["message"], "fields": fields}
    }
    assert response.data["error"]["message"]


def test_the_handler_leaves_bugs_to_django():
    assert exception_handler(ZeroDivisionError(), {}) is None
