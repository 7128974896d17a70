"""Lockout can't be dodged: a forwarded address counts only from a trusted proxy, and an account
locks by its name alone too, however many addresses the guesses come from."""

from __future__ import annotations

import ipaddress
import json
import shlex
from pathlib import Path

import pytest
import yaml
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client

from iop.audit.models import AccessLog
from iop.proxies import client_address
from iop.serve import daphne_command
from tests.conftest import sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent.parent
LOGIN = "/accounts/login/"
WRONG = "not-the-password-1"
PROXY = [ipaddress.ip_network("10.0.0.0/24")]


@pytest.fixture
def behind_proxy(settings):
    """The test client's own address (127.0.0.1) is the trusted reverse proxy."""
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("127.0.0.1/32")]


def guess(email: str, password: str, forwarded_for: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    response = Client().post(LOGIN, {"username": email, "password": password}, headers=headers)
    return response.status_code


def test_a_forged_forwarded_address_from_an_untrusted_peer_counts_against_the_peer(
    client_profile,
):
    email = client_profile.user.email
    for n in range(settings.AXES_FAILURE_LIMIT):
        guess(email, WRONG, forwarded_for=f"198.51.100.{n + 1}")

    assert guess(email, PASSWORD, forwarded_for="198.51.100.200") == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


def test_an_account_locks_by_name_alone_after_guesses_from_many_addresses(
    behind_proxy, client_profile
):
    email = client_profile.user.email
    statuses = [
        guess(email, WRONG, forwarded_for=f"203.0.113.{n + 1}")
        for n in range(settings.AXES_FAILURE_LIMIT)
    ]

    assert statuses[-1] == 429
    # Each guess was believed to come from its own address...
    addresses = set(AccessAttempt.objects.values_list("ip_address", flat=True))
    assert addresses == {f"203.0.113.{n + 1}" for n in range(settings.AXES_FAILURE_LIMIT)}
    # ...and still the account is locked, for the right password from a new address too.
    assert guess(email, PASSWORD, forwarded_for="203.0.113.250") == 429


def test_another_account_from_the_same_address_is_not_locked(
    behind_proxy, client_profile, other_client_profile
):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        guess(client_profile.user.email, WRONG, forwarded_for="203.0.113.9")

    assert guess(other_client_profile.user.email, PASSWORD, forwarded_for="203.0.113.9") == 302


def test_the_audit_log_records_the_address_a_trusted_proxy_forwarded(
    behind_proxy, clinician, client_profile
):
    browser = sign_in(clinician)

    response = browser.get(
        f"/staff/clients/{client_profile.pk}/", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7"
    )

    assert response.status_code == 200
    rows = AccessLog.objects.filter(client=client_profile)
    # The right-most address the proxy saw; the left one is whatever the client wrote.
    assert set(rows.values_list("ip_address", flat=True)) == {"203.0.113.7"}


def test_the_audit_log_ignores_a_forwarded_address_from_an_untrusted_peer(
    clinician, client_profile
):
    browser = sign_in(clinician)

    browser.get(f"/staff/clients/{client_profile.pk}/", HTTP_X_FORWARDED_FOR="203.0.113.7")

    rows = AccessLog.objects.filter(client=client_profile)
    assert set(rows.values_list("ip_address", flat=True)) == {"127.0.0.1"}


def test_a_forged_https_claim_from_an_untrusted_peer_is_dropped(settings, client_profile):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True

    response = Client().get(LOGIN, HTTP_X_FORWARDED_PROTO="https")

    assert response.status_code == 301
    assert response["Location"].startswith("https://")


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "expected"),
    [
        ("10.0.0.5", "203.0.113.7", "203.0.113.7"),
        ("10.0.0.5", "198.51.100.1, 203.0.113.7", "203.0.113.7"),
        ("10.0.0.5", "203.0.113.7, 10.0.0.9", "203.0.113.7"),  # two of our proxies
        ("10.0.0.5", "", "10.0.0.5"),
        ("10.0.0.5", "not-an-address", "10.0.0.5"),
        ("192.0.2.1", "203.0.113.7", "192.0.2.1"),  # not a proxy of ours
        ("10.0.0.5", "10.0.0.8", "10.0.0.5"),  # nothing but proxies
    ],
)
def test_client_address(peer, forwarded_for, expected):
    assert client_address(peer, forwarded_for, PROXY) == expected


def _web_commands() -> dict[str, list[str]]:
    procfile = (ROOT / "Procfile").read_text()
    web = next(line for line in procfile.splitlines() if line.startswith("web:"))
    dockerfile = (ROOT / "Dockerfile").read_text()
    cmd = next(line for line in dockerfile.splitlines() if line.startswith("CMD "))
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return {
        "Procfile": shlex.split(web.split(":", 1)[1]),
        "Dockerfile": json.loads(cmd.removeprefix("CMD ")),
        "docker-compose.yml": compose["services"]["web"]["command"],
    }


@pytest.mark.parametrize("where", ["Procfile", "Dockerfile", "docker-compose.yml"])
def test_every_deployment_serves_through_iop_serve(where):
    command = _web_commands()[where]

    assert command[:3] == ["python", "-m", "iop.serve"]
    assert "--proxy-headers" not in command


def test_daphne_never_trusts_forwarded_headers_itself():
    # daphne's --proxy-headers believes X-Forwarded-For from any peer; iop.proxies decides.
    command = daphne_command(3)

    assert command[1:3] == ["-m", "daphne"]
    assert "--proxy-headers" not in command
    assert command[-1] == "iop.asgi:application"


def test_compose_publishes_no_port_but_the_proxys():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]

    assert {name for name, service in services.items() if "ports" in service} == {"proxy"}
    trusted = services["web"]["environment"]["TRUSTED_PROXIES"]
    assert services["proxy"]["networks"]["default"]["ipv4_address"] == trusted
