import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(fast_password_hashing):
    """Every test here creates several users; see tests/conftest.py."""
