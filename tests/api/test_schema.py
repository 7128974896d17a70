"""The OpenAPI schema is valid and complete; the docs load nothing from other hosts."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db

PATHS = {
    "/api/v1/me/": {"get"},
    "/api/v1/clients/": {"get"},
    "/api/v1/clients/{id}/": {"get"},
    "/api/v1/clients/{id}/consents/": {"get"},
    "/api/v1/consents/": {"get", "post"},
    "/api/v1/consents/withdraw/": {"post"},
}


def test_the_schema_is_valid_openapi_with_every_path():
    response = Client().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)  # raises on an invalid document
    assert schema["openapi"].startswith("3.")
    for path, methods in PATHS.items():
        assert set(schema["paths"][path]) >= methods, path
    assert schema["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
    error = schema["components"]["schemas"]["Error"]
    assert "error" in error["properties"]


def test_the_schema_is_also_served_as_yaml():
    response = Client().get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/clients/" in response.content


def test_the_docs_load_only_local_assets():
    browser = Client()
    response = browser.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page
    urls = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert urls, page
    assert not re.search(r"https?://|//[a-z]", page, re.IGNORECASE), "the page names another host"
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url
        asset = browser.get(url.replace("&amp;", "&"))
        assert asset.status_code == 200, url
        body = b"".join(asset.streaming_content) if asset.streaming else asset.content
        assert body, url
