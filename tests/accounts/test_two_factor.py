"""Signing in with the real form, the staff two-factor gate, TOTP enrolment and backup codes."""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from iop.accounts import two_factor
from iop.accounts.models import UserSession
from iop.audit.models import AccessLog
from tests.conftest import sign_in
from tests.factories import PASSWORD, totp_device

pytestmark = pytest.mark.django_db


def current_code(device: TOTPDevice) -> str:
    """What the person's authenticator app shows right now."""
    device.refresh_from_db()
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{code:0{device.digits}d}"


def sign_in_with_form(user, *, next_url: str = "") -> tuple[Client, object]:
    browser = Client()
    path = "/accounts/login/" + (f"?next={quote(next_url)}" if next_url else "")
    response = browser.post(
        path, {"username": user.email, "password": PASSWORD, "next": next_url}, follow=True
    )
    return browser, response


def final_path(response) -> str:
    if not response.redirect_chain:
        return response.request["PATH_INFO"]
    return urlsplit(response.redirect_chain[-1][0]).path


# --- the gate ---------------------------------------------------------------------------


def test_unverified_staff_are_sent_to_two_factor_from_the_dashboard(clinician):
    response = sign_in(clinician, verified=False).get("/staff/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/two-factor/?next=%2Fstaff%2F"


def test_unverified_staff_are_sent_to_two_factor_from_a_client_record(clinician, client_profile):
    response = sign_in(clinician, verified=False).get(f"/staff/clients/{client_profile.pk}/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/")
    assert not AccessLog.objects.filter(client=client_profile).exists()


def test_unverified_admin_is_sent_to_two_factor_from_the_django_admin(admin_user):
    response = sign_in(admin_user, verified=False).get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/?next=%2Fadmin%2F")


def test_verified_admin_reaches_the_django_admin(admin_user):
    assert sign_in(admin_user).get("/admin/").status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/me/", "/api/v1/clients/", "/api/anything/"])
def test_unverified_staff_get_a_json_403_from_the_api(clinician, path):
    response = sign_in(clinician, verified=False).get(path)

    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "two_factor_required"


def test_verified_staff_pass_the_api_gate(clinician):
    browser = sign_in(clinician)

    assert browser.get("/api/v1/me/").status_code == 200
    unknown = browser.get("/api/anything/")
    assert unknown.status_code == 404
    assert "two_factor_required" not in unknown.content.decode()


def test_clients_are_not_held_at_the_staff_gate(client_profile):
    # Clients have no second factor to verify: the portal is open to them once signed in.
    browser = sign_in(client_profile.user)

    assert browser.get("/accounts/portal/").status_code == 200
    assert "two_factor_required" not in browser.get("/api/v1/me/").content.decode()


def test_unverified_staff_reach_only_the_two_factor_pages_of_their_account(clinician):
    # Issue 10: the profile (and its phone number) waits for the second factor too.
    browser = sign_in(clinician, verified=False)

    assert browser.get("/accounts/two-factor/setup/").status_code == 200
    assert browser.get("/accounts/profile/").status_code == 302


# --- signing in with the real form -------------------------------------------------------


def test_client_signs_in_and_lands_on_the_portal(client_profile):
    browser, response = sign_in_with_form(client_profile.user)

    assert response.status_code == 200
    assert final_path(response) == "/accounts/portal/"
    assert "Hello, Casey Client" in response.content.decode()
    session_row = UserSession.objects.get(session_key=browser.session.session_key)
    assert session_row.user_id == client_profile.user_id


def test_wrong_password_does_not_sign_in(client_profile):
    browser = Client()
    response = browser.post(
        "/accounts/login/", {"username": client_profile.user.email, "password": "wrong-one-123"}
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert browser.get("/accounts/portal/").status_code == 302


def test_staff_without_a_device_land_on_setup(clinician):
    _, response = sign_in_with_form(clinician)

    assert final_path(response) == "/accounts/two-factor/setup/"
    assert response.status_code == 200
    assert response.context["secret"]


def test_staff_with_a_device_land_on_verify(clinician):
    totp_device(clinician)

    browser, response = sign_in_with_form(clinician)

    assert final_path(response) == "/accounts/two-factor/verify/"
    assert browser.get("/staff/").status_code == 302


def test_totp_enrolment_end_to_end(clinician):
    browser, response = sign_in_with_form(clinician, next_url="/staff/")
    assert browser.get("/staff/").status_code == 302

    setup = browser.get("/accounts/two-factor/setup/?next=/staff/")
    assert setup.status_code == 200
    device = TOTPDevice.objects.get(user=clinician, confirmed=False)
    assert setup.context["secret"] == two_factor.secret_base32(device)
    assert "<svg" in setup.content.decode()
    # Reloading the page shows the same key, so a half-finished enrolment is not lost.
    assert browser.get("/accounts/two-factor/setup/").context["secret"] == setup.context["secret"]

    confirmed = browser.post(
        "/accounts/two-factor/setup/", {"token": current_code(device), "next": "/staff/"}
    )

    assert confirmed.status_code == 200
    codes = confirmed.context["codes"]
    assert len(codes) == two_factor.BACKUP_CODE_COUNT
    assert all(code in confirmed.content.decode() for code in codes)
    assert confirmed.context["next"] == "/staff/"
    device.refresh_from_db()
    assert device.confirmed
    assert browser.get("/staff/").status_code == 200


def test_wrong_enrolment_code_is_refused_and_nothing_is_confirmed(clinician):
    browser, _ = sign_in_with_form(clinician)
    browser.get("/accounts/two-factor/setup/")
    device = TOTPDevice.objects.get(user=clinician, confirmed=False)
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"

    response = browser.post("/accounts/two-factor/setup/", {"token": wrong})

    assert response.status_code == 200
    assert "token" in response.context["form"].errors
    device.refresh_from_db()
    assert not device.confirmed
    assert two_factor.backup_codes_left(clinician) == 0
    assert browser.get("/staff/").status_code == 302


def test_verify_with_the_current_code_opens_the_dashboard(clinician):
    device = totp_device(clinician)
    browser, _ = sign_in_with_form(clinician)

    response = browser.post("/accounts/two-factor/verify/", {"token": current_code(device)})

    assert response.status_code == 302
    assert response["Location"] == "/staff/"
    assert browser.get("/staff/").status_code == 200


def test_verify_keeps_a_safe_next_and_drops_an_outside_one(clinician, client_profile):
    device = totp_device(clinician)
    record = f"/staff/clients/{client_profile.pk}/"
    browser, _ = sign_in_with_form(clinician)
    response = browser.post(
        "/accounts/two-factor/verify/", {"token": current_code(device), "next": record}
    )
    assert response["Location"] == record

    other = totp_device(clinician)
    browser, _ = sign_in_with_form(clinician)
    response = browser.post(
        "/accounts/two-factor/verify/",
        {"token": current_code(other), "next": "https://evil.example/steal"},
    )
    assert response["Location"] == "/staff/"


def test_backup_code_works_once_and_not_twice(clinician):
    totp_device(clinician)
    codes = two_factor.backup_codes_issue(user=clinician)
    code = codes[3]

    first, _ = sign_in_with_form(clinician)
    used = first.post("/accounts/two-factor/verify/", {"token": code})
    assert used.status_code == 302
    assert first.get("/staff/").status_code == 200
    assert two_factor.backup_codes_left(clinician) == len(codes) - 1

    second, _ = sign_in_with_form(clinician)
    reused = second.post("/accounts/two-factor/verify/", {"token": code})

    assert reused.status_code == 200
    assert "token" in reused.context["form"].errors
    assert second.get("/staff/").status_code == 302
    assert two_factor.backup_codes_left(clinician) == len(codes) - 1


def test_new_backup_codes_replace_the_old_ones(clinician):
    totp_device(clinician)
    old = two_factor.backup_codes_issue(user=clinician)
    browser = sign_in(clinician)

    response = browser.post("/accounts/two-factor/backup-codes/")

    new = response.context["codes"]
    assert len(new) == two_factor.BACKUP_CODE_COUNT
    assert two_factor.backup_codes_left(clinician) == two_factor.BACKUP_CODE_COUNT
    other, _ = sign_in_with_form(clinician)
    refused = other.post("/accounts/two-factor/verify/", {"token": old[0]})
    assert refused.status_code == 200
    assert other.get("/staff/").status_code == 302


def test_backup_codes_page_needs_a_verified_session(clinician):
    response = sign_in(clinician, verified=False).get("/accounts/two-factor/backup-codes/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/")


def test_setup_page_shows_a_provisioning_uri_for_this_user(clinician):
    browser, _ = sign_in_with_form(clinician)
    browser.get("/accounts/two-factor/setup/")
    device = TOTPDevice.objects.get(user=clinician, confirmed=False)

    assert re.search(r"otpauth://totp/", device.config_url)
    assert "Harbor" in device.config_url


def test_a_next_address_with_several_parameters_survives_sign_in(clinician):
    device = totp_device(clinician)
    target = "/staff/?tab=risk&sort=name"

    browser, response = sign_in_with_form(clinician, next_url=target)

    assert final_path(response) == "/accounts/two-factor/verify/"
    assert response.context["next"] == target
    verified = browser.post(
        "/accounts/two-factor/verify/", {"token": current_code(device), "next": target}
    )
    assert verified["Location"] == target


def help_bar(html: str) -> str:
    found = re.search(r'<aside class="help-bar"[^>]*id="help-bar">(.*?)</aside>', html, re.S)
    return found.group(1) if found else ""


def test_a_clients_two_step_pages_carry_the_help_bar_and_staffs_do_not(
    settings, client_profile, clinician
):
    browser = sign_in(client_profile.user)
    for path in ("/accounts/two-factor/setup/", "/accounts/two-factor/verify/"):
        if path.endswith("verify/"):
            totp_device(client_profile.user)  # verify is for a client who has set it up
        response = browser.get(path)
        assert response.status_code == 200, path
        bar = help_bar(response.content.decode())
        assert "24/7" in bar and settings.CLINIC_CRISIS_LINE in bar, path
        assert 'href="tel:988"' in bar, path

    staff = sign_in(clinician, verified=False)
    totp_device(clinician)
    assert 'id="help-bar"' not in staff.get("/accounts/two-factor/verify/").content.decode()
