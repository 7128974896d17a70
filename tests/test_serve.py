"""iop.serve: WEB_CONCURRENCY daphne processes on one socket, stopped together."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from iop.serve import web_concurrency
from tests.servers import STARTUP_SECONDS, current_database_url, free_port

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db(transaction=True)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # pid (comm) state ppid ...: comm may hold spaces, so split after its ')'.
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _status(port: int) -> int | None:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/accounts/login/")
        status = conn.getresponse().status
        conn.close()
    except OSError:
        return None
    return status


@pytest.fixture
def serve():
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "iop.settings",
        "DATABASE_URL": current_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "DEBUG": "1",
        "WEB_CONCURRENCY": "2",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "iop.serve", "-b", "127.0.0.1", "-p", str(port)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    children: list[int] = []
    try:
        # Two Django start-ups at once: allow twice a single daphne's time.
        deadline = time.monotonic() + 2 * STARTUP_SECONDS
        while _status(port) != 200 or len(children) < 2:
            children = _children(process.pid)
            assert process.poll() is None, "iop.serve exited while starting"
            assert time.monotonic() < deadline, "iop.serve did not answer in time"
            time.sleep(0.1)
        yield process, port
    finally:
        # The children first: once their parent is gone they can no longer be found by it.
        for child in children or _children(process.pid):
            if _alive(child):
                os.kill(child, signal.SIGKILL)
        if process.poll() is None:
            process.kill()
        process.wait(10)


def _wait_exit(process: subprocess.Popen[bytes]) -> int:
    return process.wait(timeout=40)


def test_two_daphne_processes_serve_one_port_and_stop_together(serve):
    process, port = serve
    children = _children(process.pid)
    assert len(children) == 2
    assert all(_status(port) == 200 for _ in range(10))

    process.send_signal(signal.SIGTERM)

    assert _wait_exit(process) == 0
    assert not any(_alive(child) for child in children)
    assert _status(port) is None


def test_when_one_process_dies_the_server_stops_and_says_so(serve):
    process, _ = serve
    first, second = _children(process.pid)

    os.kill(first, signal.SIGKILL)

    assert _wait_exit(process) != 0  # whatever supervises it restarts the whole server
    assert not _alive(second)


@pytest.mark.parametrize("raw", ["0", "-1", "two", "1.5"])
def test_a_bad_web_concurrency_is_refused(monkeypatch, raw):
    monkeypatch.setenv("WEB_CONCURRENCY", raw)
    with pytest.raises(SystemExit, match="WEB_CONCURRENCY"):
        web_concurrency()


def test_web_concurrency_defaults_to_the_usable_cpus(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    assert web_concurrency() == len(os.sched_getaffinity(0))
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert web_concurrency() == 3
