"""Real servers for tests: the ASGI app under daphne, against the test database and Redis.

`asgi_server` and `asgi_server_url` are registered once, in tests/conftest.py, so each test
process starts one shared daphne. Importing them into another module or conftest would register
a second session fixture there: another daphne, started again and kept to the session's end.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
DAPHNE = Path(sys.executable).with_name("daphne")
STARTUP_SECONDS = 30
# Tags a server's database sessions, so teardown can wait for them to end before the test
# database is dropped (PostgreSQL refuses to drop a database someone is connected to). Each
# server has its own suffix: waiting on a name another live server shares waits out the timeout.
DAPHNE_APPLICATION_NAME = "harbor-test-daphne"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def closed_port() -> Iterator[int]:
    """A local port that refuses connections: bound (so nobody else takes it), never listening."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


@contextlib.contextmanager
def silent_port() -> Iterator[int]:
    """A local port that accepts connections and never answers: a hung or overloaded server."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield int(sock.getsockname()[1])


def current_database_url() -> str:
    """The URL of the database pytest-django made for this run (valid once it exists)."""
    db = settings.DATABASES["default"]
    user = quote(db.get("USER") or "postgres", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host = quote(db.get("HOST") or "127.0.0.1", safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{user}{password}@{host}{port}/{quote(db['NAME'], safe='')}"


def daphne_database_url(server: str) -> str:
    """The test database's URL for one server's connections, tagged with its own name."""
    return f"{current_database_url()}?application_name={DAPHNE_APPLICATION_NAME}-{server}"


def wait_for_sessions_to_end(application_name: str, timeout: float = 10.0) -> None:
    from django.db import connection

    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE application_name = %s AND datname = %s",
                [application_name, settings.DATABASES["default"]["NAME"]],
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.05)


@dataclass
class LiveServer:
    url: str
    log: Path
    process: subprocess.Popen[bytes]

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


def _answers(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/accounts/login/")
        status = conn.getresponse().status
        conn.close()
    except OSError:
        return False
    return status == 200


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@contextlib.contextmanager
def run_daphne(database_url: str, redis_url: str, **extra_env: str) -> Iterator[LiveServer]:
    """iop.asgi:application under daphne on a free port, until the block ends."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "iop.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        # DEBUG off is production, which refuses a local http address.
        "DEBUG": "1",
        "PYTHONUNBUFFERED": "1",
        **extra_env,
    }
    # Set by the browser fixture for the test process only; the server keeps Django's guard.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    log_dir = Path(tempfile.mkdtemp(prefix="harbor-daphne-"))
    log = log_dir / "daphne.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(DAPHNE), "-b", "127.0.0.1", "-p", str(port), "iop.asgi:application"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = LiveServer(url=f"http://127.0.0.1:{port}", log=log, process=proc)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _answers(port):
            if proc.poll() is not None:
                raise RuntimeError(f"daphne exited with {proc.returncode}:\n{server.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"daphne did not answer in {STARTUP_SECONDS}s:\n{server.log_tail()}"
                )
            time.sleep(0.1)
        yield server
    finally:
        _stop(proc)


@pytest.fixture(scope="session")
def asgi_server(django_db_setup, django_db_blocker) -> Iterator[LiveServer]:
    """The whole ASGI app (HTTP, websockets, static files) served by daphne for the session.

    It reads and writes the test database, so tests using it need committed data:
    `@pytest.mark.django_db(transaction=True)`. It shares this run's REDIS_URL, so events the
    test process publishes reach the server's websocket consumers.
    """
    with run_daphne(daphne_database_url("shared"), settings.REDIS_URL) as server:
        yield server
    with django_db_blocker.unblock():
        wait_for_sessions_to_end(f"{DAPHNE_APPLICATION_NAME}-shared")


@pytest.fixture
def asgi_server_url(asgi_server: LiveServer) -> str:
    """The server's base URL; fails the test (with daphne's log) if the server has died."""
    if asgi_server.process.poll() is not None:
        pytest.fail(f"daphne has exited:\n{asgi_server.log_tail()}")
    return asgi_server.url
