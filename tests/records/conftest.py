"""Fixtures of the clinical record's tests."""

from tests.records.notes_world import world  # noqa: F401 - fixture (session notes)
