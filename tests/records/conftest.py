"""Fixtures of the clinical record's tests."""

from tests.api.conftest import make_key  # noqa: F401 - fixture
from tests.records.notes_world import world  # noqa: F401 - fixture (session notes)
