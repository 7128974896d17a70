"""manage.py demo_session_headers: the headers it prints are a signed-in demo person's (staff
with their second factor verified), CSRF included; only in development, only demo accounts."""

from __future__ import annotations

import shlex
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from iop.accounts.models import Role, UserSession
from tests.factories import (
    CareTeamFactory,
    ClientProfileFactory,
    StaffFactory,
    UserFactory,
    totp_device,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def debug_on(settings):
    settings.DEBUG = True  # what `make run` and `iop.devstack exec` run with


@pytest.fixture
def demo_client(program):
    return ClientProfileFactory(
        user=UserFactory(email="client1@demo.harbor", full_name="Alex Rivera"), program=program
    )


@pytest.fixture
def demo_clinician(program, demo_client):
    clinician = StaffFactory(
        email="clinician1@demo.harbor", role=Role.CLINICIAN, profile__program=program
    )
    CareTeamFactory(client=demo_client, clinician=clinician, is_primary=True)
    totp_device(clinician)  # seed_demo gives every staff account its demo authenticator
    return clinician


def printed_headers(email: str) -> dict[str, str]:
    out = StringIO()
    call_command("demo_session_headers", email, stdout=out, stderr=StringIO())
    words = shlex.split(out.getvalue())
    assert words[0::2] == ["-H", "-H"]
    headers = dict(word.split(": ", 1) for word in words[1::2])
    assert set(headers) == {"Cookie", "X-CSRFToken"}
    return headers


def browser_from(email: str) -> Client:
    """A browser that sends exactly the headers the command printed, and checks CSRF."""
    return Client(enforce_csrf_checks=True, headers=printed_headers(email))


def test_a_client_is_signed_in_and_may_write(demo_client):
    browser = browser_from("client1@demo.harbor")

    me = browser.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["client_id"] == demo_client.pk
    created = browser.post(
        "/api/v1/tech-checks/",
        {"camera": "granted", "microphone": "granted", "webrtc": True, "download_mbps": 12.5},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content  # the CSRF token is accepted
    assert UserSession.objects.get().user == demo_client.user


def test_a_clinician_is_signed_in_with_the_second_factor_verified(demo_clinician, demo_client):
    browser = browser_from("clinician1@demo.harbor")

    me = browser.get("/api/v1/me/")
    assert me.status_code == 200, me.content  # not 403 two_factor_required
    assert me.json()["email"] == "clinician1@demo.harbor"
    clients = browser.get("/api/v1/clients/").json()["results"]
    assert [c["id"] for c in clients] == [demo_client.pk]


def test_without_the_csrf_header_a_write_is_refused(demo_client):
    cookie = printed_headers("client1@demo.harbor")["Cookie"]
    cookie_only = Client(enforce_csrf_checks=True, headers={"Cookie": cookie})

    response = cookie_only.post("/api/v1/tech-checks/", {}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("clinician@example.org", "not a demo account"),
        ("client99@demo.harbor", "No demo account client99@demo.harbor"),
    ],
)
def test_it_signs_in_only_existing_demo_accounts(clinician, email, message):
    with pytest.raises(CommandError, match=message):
        call_command("demo_session_headers", email, stdout=StringIO(), stderr=StringIO())
    assert not UserSession.objects.exists()


def test_it_refuses_with_debug_off(settings, demo_client):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="demo_session_headers refuses to run with DEBUG off"):
        call_command("demo_session_headers", demo_client.user.email, stdout=StringIO())
    assert not UserSession.objects.exists()
