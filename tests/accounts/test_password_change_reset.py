"""Issue 10.4: changing a password (other sessions end), "Forgot password?" by an expiring
one-time link through the outbox, and two-step sign-in for clients with backup codes."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken

from iop.accounts import two_factor
from iop.accounts.models import UserSession
from iop.notify.models import Channel, OutboundMessage, Purpose
from tests.conftest import sign_in
from tests.factories import PASSWORD, totp_device

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-new-and-longer-passphrase-77"


def sign_in_with_form(user, password=PASSWORD) -> tuple[Client, object]:
    browser = Client()
    response = browser.post("/accounts/login/", {"username": user.email, "password": password})
    return browser, response


# --- changing the password ----------------------------------------------------------------


def test_change_needs_the_current_password(client_profile):
    user = client_profile.user
    response = sign_in(user).post(
        "/accounts/password/",
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["old_password"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_weak_new_password_is_refused_on_its_field(client_profile):
    response = sign_in(client_profile.user).post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "password", "new_password2": "password"},
    )

    assert "new_password1" in response.context["form"].errors


def test_change_keeps_this_session_and_ends_every_other(client_profile):
    user = client_profile.user
    here, _ = sign_in_with_form(user)
    elsewhere, _ = sign_in_with_form(user)
    assert elsewhere.get("/accounts/portal/").status_code == 200

    response = here.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302 and response["Location"] == "/accounts/profile/"
    assert here.get("/accounts/portal/").status_code == 200
    assert elsewhere.get("/accounts/portal/").status_code == 302
    assert UserSession.objects.filter(user=user).count() == 1
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


# --- forgot password ----------------------------------------------------------------------


def test_the_sign_in_page_offers_forgot_password():
    assert b'href="/accounts/password/reset/"' in Client().get("/accounts/login/").content


def reset_link() -> str:
    message = OutboundMessage.objects.get(idempotency_key__startswith="password-reset:")
    found = re.search(r"https?://\S+/accounts/password/reset/\S+/\S+/", message.body)
    assert found is not None, message.body
    return urlsplit(found.group(0)).path


def test_reset_answers_the_same_whether_or_not_the_address_exists(client_profile):
    known = Client().post("/accounts/password/reset/", {"email": client_profile.user.email})
    unknown = Client().post("/accounts/password/reset/", {"email": "nobody@example.org"})

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/accounts/password/reset/sent/"
    message = OutboundMessage.objects.get()
    assert (message.channel, message.purpose, message.to) == (
        Channel.EMAIL,
        Purpose.ACCOUNT,
        client_profile.user.email,
    )
    assert message.expires_at is not None
    assert reset_link().split("/")[-2] not in message.idempotency_key  # no token in the key


def test_the_link_sets_a_new_password_once_and_ends_every_session(client_profile, settings):
    user = client_profile.user
    signed_in = sign_in(user)
    Client().post("/accounts/password/reset/", {"email": user.email})
    link = reset_link()
    browser = Client()
    form_page = browser.get(link, follow=True)
    assert form_page.context["validlink"]
    set_url = form_page.redirect_chain[-1][0]

    done = browser.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert done.status_code == 302 and done["Location"] == "/accounts/password/reset/done/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert signed_in.get("/accounts/portal/").status_code == 302
    assert not UserSession.objects.filter(user=user).exists()
    assert not Client().get(link, follow=True).context["validlink"]  # one time only


def test_the_link_expires(client_profile):
    Client().post("/accounts/password/reset/", {"email": client_profile.user.email})
    link = reset_link()

    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=1)):
        page = Client().get(link, follow=True)

    assert not page.context["validlink"]


def test_staff_still_need_their_second_factor_after_a_reset(clinician):
    totp_device(clinician)
    Client().post("/accounts/password/reset/", {"email": clinician.email})
    browser = Client()
    set_url = browser.get(reset_link(), follow=True).redirect_chain[-1][0]
    browser.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    browser, response = sign_in_with_form(clinician, NEW_PASSWORD)

    assert response["Location"].startswith("/accounts/two-factor/")
    assert browser.get("/staff/").status_code == 302


# --- two-step sign-in for clients, backup codes ------------------------------------------


def test_a_client_with_two_step_sign_in_is_asked_for_it_and_can_use_a_backup_code(
    client_profile,
):
    user = client_profile.user
    totp_device(user)
    codes = two_factor.backup_codes_issue(user=user)

    browser, response = sign_in_with_form(user)

    assert response["Location"].startswith("/accounts/two-factor/")
    assert browser.get("/accounts/portal/").status_code == 302
    verify = browser.get("/accounts/two-factor/verify/")
    assert b"backup code" in verify.content
    browser.post("/accounts/two-factor/verify/", {"token": codes[0]})
    assert browser.get("/accounts/portal/").status_code == 200


def test_a_client_without_two_step_sign_in_goes_straight_to_the_portal(client_profile):
    _, response = sign_in_with_form(client_profile.user)

    assert not response["Location"].startswith("/accounts/two-factor/")
    assert Client().get("/accounts/portal/").status_code == 302  # (a fresh browser is not in)


def test_the_verify_page_offers_no_backup_code_when_none_are_left(clinician):
    device = totp_device(clinician)
    browser = sign_in(clinician, verified=False)
    two_factor.backup_codes_issue(user=clinician)
    assert b"backup codes (10 left)" in browser.get("/accounts/two-factor/verify/").content
    StaticToken.objects.filter(device__user=clinician).delete()  # each used once, none left

    page = browser.get("/accounts/two-factor/verify/").content.decode()

    assert "Use one of your backup codes" not in page
    assert "or one of your backup codes" not in page  # not in the field's help either
    assert "no backup codes left" in page
    # The authenticator still works.
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    verified = browser.post("/accounts/two-factor/verify/", {"token": f"{code:06d}"})
    assert verified.status_code == 302 and verified["Location"] == "/staff/"
