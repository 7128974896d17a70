"""Beat starts on a fresh clone: its schedule needs no local file (no var/, no volume)."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from tests.servers import current_database_url

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"


def procfile_command(name: str) -> list[str]:
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return shlex.split(line.split(":", 1)[1])
    raise AssertionError(f"no {name} in the Procfile")


def test_beat_keeps_its_schedule_in_memory():
    assert settings.CELERY_BEAT_SCHEDULER == "celery.beat:Scheduler"


@pytest.mark.parametrize(
    "command",
    [
        procfile_command("beat"),
        yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["beat"]["command"],
    ],
    ids=["Procfile", "docker-compose"],
)
def test_beat_names_no_schedule_file(command):
    assert command[:4] == ["celery", "-A", "iop", "beat"]
    assert not {"-s", "--schedule"} & set(command)


@pytest.mark.django_db
def test_the_procfile_beat_runs_in_a_checkout_without_var():
    """The Procfile's beat line, started where no var/ exists, keeps running."""
    command = procfile_command("beat")
    with tempfile.TemporaryDirectory(prefix="harbor-fresh-clone-") as fresh:
        env = {
            **os.environ,
            "PATH": os.pathsep.join([str(VENV_BIN), os.environ.get("PATH", "")]),
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "iop.settings",
            "DEBUG": "1",
            "DATABASE_URL": current_database_url(),
            # Nothing listens here: what beat would send goes nowhere, not to this run's queues.
            "REDIS_URL": "redis://127.0.0.1:1/0",
        }
        log = Path(fresh) / "beat.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                command, cwd=fresh, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        try:
            deadline = time.monotonic() + 60
            while b"is starting" not in log.read_bytes() and time.monotonic() < deadline:
                assert proc.poll() is None, log.read_text()
                time.sleep(0.2)
            time.sleep(5)  # past start-up, where a missing schedule folder made beat exit
            assert proc.poll() is None, log.read_text()
        finally:
            proc.terminate()
            proc.wait(timeout=20)
        assert not (Path(fresh) / "var").exists()
        assert sorted(p.name for p in Path(fresh).iterdir()) == ["beat.log"]
