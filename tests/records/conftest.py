"""Fixtures of the clinical record's tests."""

from tests.api.conftest import make_key  # noqa: F401 - fixture
