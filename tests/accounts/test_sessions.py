"""Sessions end after idle time (per role) and an absolute lifetime; deactivation ends them now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib import admin
from django.test import Client

from iop.accounts import services
from iop.accounts.models import User, UserSession
from iop.audit.models import AccessLog
from iop.domain import NotAllowed
from tests.conftest import sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

START = datetime(2025, 3, 4, 14, 0, tzinfo=UTC)


def is_login_redirect(response, next_path: str) -> bool:
    return response.status_code == 302 and response["Location"].startswith(
        "/accounts/login/?next=" + next_path.replace("/", "%2F")
    )


def test_the_configured_limits(settings):
    assert settings.SESSION_IDLE_SECONDS_STAFF == 15 * 60
    assert settings.SESSION_IDLE_SECONDS_CLIENT == 30 * 60
    assert settings.SESSION_ABSOLUTE_SECONDS == 12 * 3600


def test_staff_idle_for_16_minutes_are_signed_out(clinician):
    with time_machine.travel(START, tick=False) as traveller:
        browser = sign_in(clinician)
        assert browser.get("/staff/").status_code == 200

        traveller.shift(timedelta(minutes=16))
        response = browser.get("/staff/")

        assert is_login_redirect(response, "/staff/")
        login_page = browser.get(response["Location"])
        assert "period of inactivity" in login_page.content.decode()
        # Signed out for good: the next try goes to sign-in, not to the two-factor step.
        again = browser.get("/staff/")
        assert again.status_code == 302
        assert again["Location"].startswith("/accounts/login/")


def test_staff_active_within_the_idle_limit_stay_signed_in(clinician):
    with time_machine.travel(START, tick=False) as traveller:
        browser = sign_in(clinician)
        for _ in range(4):  # an hour of work, a click every 14 minutes
            assert browser.get("/staff/").status_code == 200
            traveller.shift(timedelta(minutes=14))
        assert browser.get("/staff/").status_code == 200


def test_staff_idle_on_the_api_get_a_json_401(clinician):
    with time_machine.travel(START, tick=False) as traveller:
        browser = sign_in(clinician)
        assert browser.get("/staff/").status_code == 200

        traveller.shift(timedelta(minutes=16))
        response = browser.get("/api/v1/me/")

        assert response.status_code == 401
        assert response.json()["error"]["code"] == "session_expired"


def _stored(browser: Client) -> str:
    return UserSession.objects.get(session_key=browser.session.session_key).session_data


def test_the_last_seen_time_is_saved_at_most_once_a_minute(clinician):
    """A request within a minute of the last renewal writes nothing (no UPDATE per request)."""
    with time_machine.travel(START, tick=False) as traveller:
        browser = sign_in(clinician)
        assert browser.get("/api/v1/me/").status_code == 200
        renewed = _stored(browser)

        traveller.shift(timedelta(seconds=59))
        assert browser.get("/api/v1/me/").status_code == 200
        assert _stored(browser) == renewed

        traveller.shift(timedelta(seconds=1))
        assert browser.get("/api/v1/me/").status_code == 200
        assert _stored(browser) != renewed


def test_staff_clicking_every_50_seconds_stay_signed_in(clinician):
    """Requests that do not renew still count: the renewal after them keeps the session alive."""
    with time_machine.travel(START, tick=False) as traveller:
        browser = sign_in(clinician)
        for _ in range(30):  # 25 minutes, beyond the 15-minute idle limit
            assert browser.get("/api/v1/me/").status_code == 200
            traveller.shift(timedelta(seconds=50))
        assert browser.get("/api/v1/me/").status_code == 200


def test_client_idle_for_20_minutes_is_still_signed_in(client_profile):
    with time_machine.travel(START, tick=False) as traveller:
        browser = sign_in(client_profile.user)
        assert browser.get("/accounts/portal/").status_code == 200

        traveller.shift(timedelta(minutes=20))

        assert browser.get("/accounts/portal/").status_code == 200


def test_client_idle_for_31_minutes_is_signed_out(client_profile):
    with time_machine.travel(START, tick=False) as traveller:
        browser = sign_in(client_profile.user)
        assert browser.get("/accounts/portal/").status_code == 200

        traveller.shift(timedelta(minutes=31))
        response = browser.get("/accounts/profile/")

        assert is_login_redirect(response, "/accounts/profile/")
        assert browser.get("/accounts/portal/").status_code == 302


def test_the_absolute_lifetime_ends_even_an_active_session(client_profile):
    with time_machine.travel(START, tick=False) as traveller:
        browser = sign_in(client_profile.user)
        assert browser.get("/accounts/portal/").status_code == 200
        elapsed = timedelta(0)
        step = timedelta(minutes=25)  # never idle long enough to time out
        while elapsed + step < timedelta(seconds=settings.SESSION_ABSOLUTE_SECONDS):
            traveller.shift(step)
            elapsed += step
            assert browser.get("/accounts/portal/").status_code == 200, elapsed

        traveller.move_to(START + timedelta(seconds=settings.SESSION_ABSOLUTE_SECONDS + 60))
        response = browser.get("/accounts/portal/")

        assert is_login_redirect(response, "/accounts/portal/")
        assert "reached its time limit" in browser.get(response["Location"]).content.decode()


def test_the_absolute_lifetime_applies_to_staff_too(clinician):
    with time_machine.travel(START, tick=False) as traveller:
        browser = sign_in(clinician)
        assert browser.get("/staff/").status_code == 200
        for _ in range(settings.SESSION_ABSOLUTE_SECONDS // 600):
            traveller.shift(timedelta(minutes=10))
            assert browser.get("/staff/").status_code == 200

        traveller.shift(timedelta(minutes=10))
        response = browser.get("/staff/")

        assert is_login_redirect(response, "/staff/")


def test_signing_in_again_after_expiry_starts_a_fresh_lifetime(client_profile):
    with time_machine.travel(START, tick=False) as traveller:
        browser = sign_in(client_profile.user)
        browser.get("/accounts/portal/")
        traveller.shift(timedelta(minutes=31))
        assert browser.get("/accounts/portal/").status_code == 302

        response = browser.post(
            "/accounts/login/", {"username": client_profile.user.email, "password": PASSWORD}
        )
        assert response.status_code == 302
        traveller.shift(timedelta(minutes=20))

        assert browser.get("/accounts/portal/").status_code == 200


# --- deactivation -----------------------------------------------------------------------


def test_sessions_carry_the_user_id(client_profile):
    browser = sign_in(client_profile.user)
    browser.get("/accounts/portal/")

    row = UserSession.objects.get(session_key=browser.session.session_key)
    assert row.user_id == client_profile.user_id


def test_deactivating_a_user_ends_every_session_now(
    admin_user, client_profile, other_client_profile
):
    user = client_profile.user
    laptop, phone = sign_in(user), sign_in(user)
    bystander = sign_in(other_client_profile.user)
    for browser in (laptop, phone, bystander):
        assert browser.get("/accounts/portal/").status_code == 200
    assert UserSession.objects.filter(user=user).count() == 2

    services.user_deactivate(actor=admin_user, user=user)

    assert not UserSession.objects.filter(user=user).exists()
    for browser in (laptop, phone):
        response = browser.get("/accounts/portal/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert bystander.get("/accounts/portal/").status_code == 200
    user.refresh_from_db()
    assert not user.is_active
    row = AccessLog.objects.get(actor=admin_user, action="update", object_id=str(user.pk))
    assert row.client == client_profile


def test_a_deactivated_user_cannot_sign_in_again(admin_user, client_profile):
    services.user_deactivate(actor=admin_user, user=client_profile.user)

    browser = Client()
    response = browser.post(
        "/accounts/login/", {"username": client_profile.user.email, "password": PASSWORD}
    )

    assert response.status_code == 200
    assert browser.get("/accounts/portal/").status_code == 302


@pytest.mark.parametrize("actor_fixture", ["supervisor", "clinician", "client_profile"])
def test_only_an_admin_can_deactivate(request, actor_fixture, client_profile, other_client_profile):
    actor = request.getfixturevalue(actor_fixture)
    actor = getattr(actor, "user", actor)
    target = other_client_profile.user
    browser = sign_in(target)
    browser.get("/accounts/portal/")

    with pytest.raises(NotAllowed):
        services.user_deactivate(actor=actor, user=target)

    target.refresh_from_db()
    assert target.is_active
    assert UserSession.objects.filter(user=target).exists()
    assert browser.get("/accounts/portal/").status_code == 200


def test_deactivating_in_the_django_admin_ends_sessions(admin_user, client_profile):
    if not admin.site.is_registered(User):
        pytest.skip("no UserAdmin registered")
    user = client_profile.user
    browser = sign_in(user)
    assert browser.get("/accounts/portal/").status_code == 200
    staff = sign_in(admin_user)
    change_url = f"/admin/accounts/user/{user.pk}/change/"
    assert staff.get(change_url).status_code == 200

    response = staff.post(
        change_url,
        {
            "email": user.email,
            "full_name": user.full_name,
            "preferred_name": "",
            "phone": "",
            "time_zone": user.time_zone,
            "role": user.role,
            # is_active left unticked: the admin deactivates the account
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert not user.is_active
    assert not UserSession.objects.filter(user=user).exists()
    assert browser.get("/accounts/portal/").status_code == 302
    assert AccessLog.objects.filter(
        actor=admin_user, action="update", object_id=str(user.pk)
    ).exists()
