import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(fast_password_hashing):
    """These tests sign people in with force_login; no password is ever checked."""
