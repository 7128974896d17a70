"""Schemathesis over the published schema, against the whole ASGI app under daphne.

Three callers: an API key with every scope, a signed-in client, a verified clinician (session
cookie and CSRF header), fuzzing at once, each against its own daphne. Every operation, the
checks below and the stateful phase; any finding fails the test with schemathesis' report.
Bounded for CI (about two minutes on two busy cores): deterministic generation, FUZZ_EXAMPLES
examples per operation for the key and half as many for the session callers (PHASES), and
RUN_SECONDS for the slowest run (`pytest -m fuzz` runs it alone). FUZZ_PATH_REGEX (for
example `recordings`) fuzzes only the operations whose path matches, while working on them.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client

from tests.api.clinic import seed_client
from tests.api.conftest import ALL_SCOPES
from tests.conftest import sign_in
from tests.servers import daphne_database_url, run_daphne

# FUZZ_RUN_SECONDS: how long the runs together may take (a loaded machine may need more).
RUN_SECONDS = int(os.environ.get("FUZZ_RUN_SECONDS", "420"))
pytestmark = [
    pytest.mark.fuzz,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(RUN_SECONDS + 60),
]

# schemathesis' command line, run by this interpreter (tests/api/schemathesis_cli.py says why).
SCHEMATHESIS = [sys.executable, str(Path(__file__).with_name("schemathesis_cli.py"))]
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
# The key holds every scope, so it reaches every operation: it gets every phase, including the
# coverage phase's boundary and negative cases for each parameter (the costly one). The session
# callers add what only a person may do (a client's tech check, a clinician's caseload); they
# fuzz with fewer examples and run the stateful phase.
# Two workers let the key's run generate its next cases while its server answers.
PHASES = {
    "api_key": ("examples,coverage,fuzzing,stateful", EXAMPLES, 2),
    "client": ("examples,fuzzing,stateful", max(EXAMPLES // 2, 1), 1),
    "clinician": ("examples,fuzzing,stateful", max(EXAMPLES // 2, 1), 1),
}
SEED = int(os.environ.get("FUZZ_SEED", "11"))
PATH_REGEX = os.environ.get("FUZZ_PATH_REGEX", "")


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


def fuzz_command(url: str, caller: str, caller_headers: list[str]) -> list[str]:
    phases, examples, workers = PHASES[caller]
    return [
        *SCHEMATHESIS,
        "run",
        f"{url}/api/schema/?format=json",
        "--checks",
        CHECKS,
        "--phases",
        phases,
        "--max-examples",
        str(examples),
        "--seed",
        str(SEED),
        "--generation-deterministic",
        # The caller's credentials are the -H headers below, which replace whatever schemathesis
        # would put in the Cookie or Authorization header. Generating them as parameters too only
        # makes "missing credentials" negative cases that are sent with the credentials anyway
        # (a false "schema-violating request accepted" where a client is the only caller allowed).
        "--generation-with-security-parameters",
        "false",
        "--workers",
        str(workers),
        "--request-timeout",
        "20",
        "--no-color",
        "--output-truncate",
        "true",
        *(["--include-path-regex", PATH_REGEX] if PATH_REGEX else []),
        *caller_headers,
    ]


@dataclass
class Run:
    caller: str
    process: subprocess.Popen[bytes]
    log: Path

    def failure(self, deadline: float) -> str | None:
        """None when schemathesis found nothing by the deadline, else its report so far."""
        timed_out = False
        try:
            returncode = self.process.wait(timeout=max(deadline - time.monotonic(), 1))
        except subprocess.TimeoutExpired:
            self.process.kill()
            returncode, timed_out = self.process.wait(), True
        if returncode == 0:
            return None
        report = self.log.read_text(errors="replace")[-20000:]
        verdict = f"did not finish in {RUN_SECONDS}s" if timed_out else f"exit {returncode}"
        return f"schemathesis as {self.caller} ({verdict}):\n{report}"


def start(caller: str, url: str, headers: list[str], tmp_path: Path) -> Run:
    workdir = tmp_path / caller
    workdir.mkdir()
    log = workdir / "schemathesis.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            fuzz_command(url, caller, headers),
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=workdir,
            env={**os.environ, "SCHEMATHESIS_HOOKS": ""},
        )
    return Run(caller, process, log)


def test_the_api_keeps_its_schema_under_a_fuzzer(asgi_server_url, callers, tmp_path):
    """The three callers fuzz at once, each against its own daphne on the one test database.

    One daphne runs Django's sync views one at a time, so fuzzers sharing it wait for each other.
    FUZZ_CALLERS=client (comma-separated) runs only those.
    """
    wanted = os.environ.get("FUZZ_CALLERS", ",".join(callers)).split(",")
    with contextlib.ExitStack() as servers:
        urls = [asgi_server_url] + [
            servers.enter_context(
                run_daphne(daphne_database_url(f"fuzz-{caller}"), settings.REDIS_URL)
            ).url
            for caller in wanted[1:]
        ]
        runs = [
            start(caller, url, callers[caller], tmp_path)
            for caller, url in zip(wanted, urls, strict=True)
        ]
        deadline = time.monotonic() + RUN_SECONDS
        failures = [failure for run in runs if (failure := run.failure(deadline))]
    assert not failures, "\n\n".join(failures)
