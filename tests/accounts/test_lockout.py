"""django-axes pauses sign-in for an account after AXES_FAILURE_LIMIT wrong passwords."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def fail(browser: Client, email: str, times: int) -> list[int]:
    """Post wrong passwords; every attempt before the limit shows the form again."""
    statuses = []
    for attempt in range(1, times + 1):
        response = browser.post(LOGIN, {"username": email, "password": "not-the-password-1"})
        statuses.append(response.status_code)
        if attempt < settings.AXES_FAILURE_LIMIT:
            assert response.status_code == 200
            assert response.context["form"].non_field_errors()
    return statuses


def test_the_limit_is_five(settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_LOCKOUT_TEMPLATE == "accounts/locked_out.html"


def test_sixth_attempt_with_the_right_password_is_refused(client_profile):
    browser = Client()
    email = client_profile.user.email
    statuses = fail(browser, email, settings.AXES_FAILURE_LIMIT)
    assert statuses[-1] == 429  # axes locks as the limit is reached

    response = browser.post(LOGIN, {"username": email, "password": PASSWORD})

    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert browser.get("/accounts/portal/").status_code == 302  # not signed in


def test_lockout_holds_from_a_fresh_browser_at_the_same_address(client_profile):
    fail(Client(), client_profile.user.email, settings.AXES_FAILURE_LIMIT)

    response = Client().post(LOGIN, {"username": client_profile.user.email, "password": PASSWORD})

    assert response.status_code == 429


def test_one_failure_short_of_the_limit_still_signs_in(client_profile):
    browser = Client()
    fail(browser, client_profile.user.email, settings.AXES_FAILURE_LIMIT - 1)

    response = browser.post(LOGIN, {"username": client_profile.user.email, "password": PASSWORD})

    assert response.status_code == 302
    assert browser.get("/accounts/portal/").status_code == 200


def test_success_resets_the_count(client_profile):
    email = client_profile.user.email
    fail(Client(), email, settings.AXES_FAILURE_LIMIT - 1)
    assert Client().post(LOGIN, {"username": email, "password": PASSWORD}).status_code == 302

    browser = Client()
    fail(browser, email, settings.AXES_FAILURE_LIMIT - 1)
    response = browser.post(LOGIN, {"username": email, "password": PASSWORD})

    assert response.status_code == 302


def test_lockout_is_per_account(client_profile, other_client_profile):
    fail(Client(), client_profile.user.email, settings.AXES_FAILURE_LIMIT)

    browser = Client()
    response = browser.post(
        LOGIN, {"username": other_client_profile.user.email, "password": PASSWORD}
    )

    assert response.status_code == 302
    assert browser.get("/accounts/portal/").status_code == 200


def test_lockout_ends_after_the_cool_off(client_profile, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    email = client_profile.user.email
    fail(Client(), email, settings.AXES_FAILURE_LIMIT)
    assert Client().post(LOGIN, {"username": email, "password": PASSWORD}).status_code == 429

    time_machine.shift(settings.AXES_COOLOFF_TIME.total_seconds() + 60)
    browser = Client()
    response = browser.post(LOGIN, {"username": email, "password": PASSWORD})

    assert response.status_code == 302
    assert browser.get("/accounts/portal/").status_code == 200
