"""The README's "Testing the API" fuzzes the running demo as the suite's fuzzer does: the same
checks, the same phases and examples per caller, with credentials from the demo commands."""

from __future__ import annotations

import os
import re

import pytest
from django.core.management import get_commands

from tests.api.test_fuzz import CHECKS, EXAMPLES, PHASES
from tests.test_settings import ROOT


def readme_block() -> str:
    section = (ROOT / "README.md").read_text().split("## Testing the API", 1)[1]
    return section.split("```sh", 1)[1].split("```", 1)[0]


@pytest.mark.skipif("FUZZ_EXAMPLES" in os.environ, reason="compares with the default bound")
def test_the_readme_runs_the_suites_checks_and_phases():
    block = readme_block()
    assert f"--checks {CHECKS} " in block
    assert "--generation-with-security-parameters false" in block
    runs = re.findall(r"^fuzz (\S+) (\d+)", block, flags=re.MULTILINE)
    # In order: the key, the client, the clinician.
    assert [(phases, int(examples)) for phases, examples in runs] == [
        PHASES[caller][:2] for caller in ("api_key", "client", "clinician")
    ]
    assert EXAMPLES == 8  # the suite's default bound


def test_the_readme_gets_credentials_from_the_demo_commands():
    block = readme_block()
    commands = get_commands()
    for command in ("demo_api_key", "demo_session_headers"):
        assert f"manage {command}" in block
        assert command in commands
    assert "demo_session_headers client1@demo.harbor" in block
    assert "demo_session_headers clinician1@demo.harbor" in block
