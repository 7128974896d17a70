"""Schemathesis over the published schema, against the whole ASGI app under daphne.

Three callers: an API key with every scope, a signed-in client, a verified clinician (session
cookie and CSRF header). Every operation, the checks below and the stateful phase; any finding
fails the test with schemathesis' report. Bounded for CI: FUZZ_EXAMPLES examples per operation
and a fixed seed with deterministic generation (`pytest -m fuzz` runs it alone).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client

from tests.api.clinic import seed_client
from tests.api.conftest import ALL_SCOPES
from tests.conftest import sign_in

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db(transaction=True), pytest.mark.timeout(300)]

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
    ]
)
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
SEED = int(os.environ.get("FUZZ_SEED", "11"))


def session_headers(browser: Client) -> list[str]:
    """The headers a browser signed in as this test client sends: its cookies and CSRF token."""
    token = _get_new_csrf_string()
    session = browser.cookies[settings.SESSION_COOKIE_NAME].value
    cookie = f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={token}"
    return ["-H", f"Cookie: {cookie}", "-H", f"X-CSRFToken: {token}"]


@pytest.fixture
def callers(client_profile, other_client_profile, clinician, other_clinician, admin_user, make_key):
    seed_client(client_profile, clinician, admin=admin_user, name="Ours")
    seed_client(other_client_profile, other_clinician, admin=admin_user, name="Other")
    client_browser, clinician_browser = sign_in(client_profile.user), sign_in(clinician)
    assert client_browser.session[SESSION_KEY] and clinician_browser.session[SESSION_KEY]
    return {
        "api_key": ["-H", f"Authorization: Bearer {make_key(scopes=ALL_SCOPES)[1]}"],
        "client": session_headers(client_browser),
        "clinician": session_headers(clinician_browser),
    }


@pytest.mark.parametrize("caller", ["api_key", "client", "clinician"])
def test_the_api_keeps_its_schema_under_a_fuzzer(asgi_server_url, callers, caller, tmp_path):
    command = [
        str(SCHEMATHESIS),
        "run",
        f"{asgi_server_url}/api/schema/?format=json",
        "--checks",
        CHECKS,
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        str(SEED),
        "--generation-deterministic",
        "--workers",
        "1",
        "--request-timeout",
        "20",
        "--no-color",
        "--output-truncate",
        "true",
        *callers[caller],
    ]
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=280,
        cwd=tmp_path,
        env={**os.environ, "SCHEMATHESIS_HOOKS": ""},
        check=False,
    )
    assert result.returncode == 0, f"schemathesis as {caller}:\n{result.stdout[-20000:]}"
