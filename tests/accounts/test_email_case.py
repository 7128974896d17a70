"""Sign-in ignores the case of the email, and so does the lockout count."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from iop.accounts.models import User
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def test_sign_in_with_capitals_reaches_the_portal(client_profile):
    browser = Client()
    response = browser.post(LOGIN, {"username": "Client@Example.ORG", "password": PASSWORD})
    assert response.status_code == 302
    assert browser.get("/accounts/portal/").status_code == 200


def test_failures_typed_in_different_cases_count_against_one_account(client_profile):
    browser = Client()
    spellings = ["client@example.org", "CLIENT@example.org", "Client@Example.org"]
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        browser.post(LOGIN, {"username": spellings[attempt % 3], "password": "wrong-password-9"})
    response = browser.post(LOGIN, {"username": "client@example.org", "password": PASSWORD})
    assert response.status_code == 429


def test_model_validation_stores_email_lower_case(program):
    user = User(email="New.Person@Example.org", full_name="New Person", time_zone="UTC")
    user.set_password(PASSWORD)
    user.full_clean()
    assert user.email == "new.person@example.org"


def test_the_project_hashes_passwords_with_argon2():
    # The suite swaps in a fast hasher, so read the project's own settings module.
    import argon2

    import iop.settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert argon2.PasswordHasher().hash(PASSWORD).startswith("$argon2id$")
