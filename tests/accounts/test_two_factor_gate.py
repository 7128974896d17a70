"""Issue 10.1: a password alone opens no account page of a staff member (or of anyone Django
treats as staff) beyond signing in, signing out and the two-factor pages."""

from __future__ import annotations

import pytest

from iop.accounts.models import PhoneVerification, Role
from iop.notify.models import OutboundMessage
from tests.conftest import sign_in
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

STAFF = [
    "clinician",
    "other_clinician",
    "supervisor",
    "other_supervisor",
    "support_agent",
    "admin_user",
]
ACCOUNT_PAGES = [
    "/accounts/profile/",
    "/accounts/profile/phone/",
    "/accounts/profile/phone/confirm/",
    "/accounts/password/",
    "/accounts/portal/",
    "/accounts/two-factor/backup-codes/",
    "/accounts/profile/contacts/new/",
]


def held_at_the_gate(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith("/accounts/two-factor/")


@pytest.mark.parametrize("persona", STAFF)
@pytest.mark.parametrize("path", ACCOUNT_PAGES)
def test_unverified_staff_reach_no_account_page(request, persona, path):
    browser = sign_in(request.getfixturevalue(persona), verified=False)

    assert held_at_the_gate(browser.get(path))


@pytest.mark.parametrize("persona", STAFF)
def test_a_staff_password_alone_cannot_change_the_phone_number(request, persona):
    user = request.getfixturevalue(persona)
    browser = sign_in(user, verified=False)

    response = browser.post(
        "/accounts/profile/phone/", {"phone": "(415) 555-0199", "password": PASSWORD}
    )

    assert held_at_the_gate(response)
    assert not PhoneVerification.objects.exists()
    assert not OutboundMessage.objects.exists()


def test_unverified_staff_may_sign_in_sign_out_and_use_the_two_factor_pages(clinician):
    browser = sign_in(clinician, verified=False)

    assert browser.get("/accounts/two-factor/").status_code == 302
    assert browser.get("/accounts/two-factor/setup/").status_code == 200
    assert browser.post("/accounts/logout/").status_code == 302
    assert browser.get("/accounts/login/").status_code == 200


def test_verified_staff_reach_their_account_pages(clinician):
    browser = sign_in(clinician, verified=True)

    assert browser.get("/accounts/profile/").status_code == 200
    assert browser.get("/accounts/profile/phone/").status_code == 200
    assert browser.get("/accounts/password/").status_code == 200


def test_a_client_role_user_with_is_staff_needs_a_second_factor_for_the_admin(program):
    odd = UserFactory(email="odd@example.org", role=Role.CLIENT, is_staff=True)

    password_only = sign_in(odd, verified=False)
    assert held_at_the_gate(password_only.get("/admin/"))
    api = password_only.get("/api/v1/me/")
    assert api.status_code == 403 and api.json()["error"]["code"] == "two_factor_required"

    assert sign_in(odd, verified=True).get("/admin/").status_code == 200


def test_clients_without_two_step_sign_in_are_not_held(client_profile):
    browser = sign_in(client_profile.user)

    assert browser.get("/accounts/profile/").status_code == 200
    assert browser.get("/accounts/portal/").status_code == 200
