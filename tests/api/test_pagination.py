"""`?page_size=` chooses how many rows a list page carries: 1 to 100, documented, else a 400."""

from __future__ import annotations

import pytest
import yaml

from crisis.models import LocalResource
from iop.api.pagination import MAX_PAGE_SIZE
from tests.api.conftest import error_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def resources(db):
    return LocalResource.objects.bulk_create(
        LocalResource(
            name=f"Resource {i:03d}",
            kind="ed",
            region="Kings",
            phone="+14155550100",
            latitude=40.0,
            longitude=-74.0,
        )
        for i in range(120)
    )


@pytest.fixture
def key(api_key, as_key):
    return as_key(api_key[1])


def test_the_default_page_is_50_rows(key, resources):
    body = key.get("/api/v1/local-resources/").json()
    assert (body["count"], len(body["results"])) == (120, 50)


@pytest.mark.parametrize("size", [1, 7, MAX_PAGE_SIZE])
def test_page_size_chooses_the_rows_per_page_and_the_next_link_keeps_it(key, resources, size):
    body = key.get("/api/v1/local-resources/", {"page_size": size}).json()
    assert len(body["results"]) == size
    assert f"page_size={size}" in body["next"]
    second = key.get(body["next"]).json()
    assert second["results"][0]["name"] == f"Resource {size:03d}"


@pytest.mark.parametrize(
    "value", ["0", str(MAX_PAGE_SIZE + 1), "-1", "abc", "1.5", "²", "", " 5", "9" * 5000]
)
def test_a_bad_page_size_is_a_400_naming_it(key, resources, value):
    response = key.get("/api/v1/local-resources/", {"page_size": value})
    assert response.status_code == 400, response.content
    assert set(error_of(response)["fields"]) == {"page_size"}


def test_leading_zeros_are_still_the_number(key, resources):
    assert len(key.get("/api/v1/local-resources/", {"page_size": "007"}).json()["results"]) == 7


def test_a_very_long_id_is_a_400_not_a_server_error(key):
    """int() refuses strings of more than 4300 digits with a ValueError."""
    response = key.get("/api/v1/crisis-events/", {"client": "1" * 5000})
    assert response.status_code == 400, response.content
    assert set(error_of(response)["fields"]) == {"client"}
    response = key.get("/api/v1/crisis-events/", {"page": "0" * 5000 + "1"})
    assert response.status_code == 200, response.content


def test_the_schema_documents_page_size_on_every_paged_list(key):
    schema = yaml.safe_load(key.get("/api/schema/").content)
    paged = {
        path: {p["name"]: p for p in operation["get"]["parameters"]}
        for path, operation in schema["paths"].items()
        if "get" in operation
        and any(p["name"] == "page" for p in operation["get"].get("parameters", []))
    }
    assert "/api/v1/crisis-events/{id}/timeline/" in paged
    assert "/api/v1/sessions/" in paged
    for path, parameters in paged.items():
        size = parameters.get("page_size")
        assert size is not None, f"{path} pages without documenting page_size"
        assert size["schema"] == {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_PAGE_SIZE,
            "default": 50,
        }
        assert str(MAX_PAGE_SIZE) in size["description"]
