"""The web server: WEB_CONCURRENCY daphne processes accepting connections on one socket.

    python -m iop.serve [-b ADDRESS] [-p PORT]

Daphne runs Django's views in threads of a single process, so one daphne uses at most one core
(Python's GIL) however many requests are waiting. This binds ADDRESS:PORT once and starts
WEB_CONCURRENCY `daphne --fd` processes on that socket (default: the CPUs this process may run
on); the kernel hands each new connection to one of them. SIGTERM or SIGINT stops them all. If
one exits on its own, the others are stopped and this exits with its code, so whatever restarts
the web server (Docker's restart policy, honcho stopping the stack) restarts all of it, as it
would a single daphne. Each process keeps its own PostgreSQL pool (DATABASE_POOL_SIZE, see
iop/asgi.py): WEB_CONCURRENCY times that must stay under PostgreSQL's max_connections.

bench/api.py measures the API served this way. This module imports no Django.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time

STOP_SECONDS = 30


def web_concurrency() -> int:
    raw = os.environ.get("WEB_CONCURRENCY", "").strip()
    if not raw:
        return max(1, len(os.sched_getaffinity(0)))
    if not raw.isdigit() or int(raw) < 1:
        raise SystemExit(f"WEB_CONCURRENCY must be a whole number from 1, got {raw!r}")
    return int(raw)


def listen(address: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.create_server((address, port), family=family, backlog=1024)
    sock.set_inheritable(True)
    return sock


def daphne_command(fd: int) -> list[str]:
    # No --proxy-headers: daphne would believe any peer's X-Forwarded-For. Harbor believes it
    # only from TRUSTED_PROXIES (iop/proxies.py).
    return [sys.executable, "-m", "daphne", "--fd", str(fd), "iop.asgi:application"]


def start(sock: socket.socket, count: int) -> list[subprocess.Popen[bytes]]:
    command = daphne_command(sock.fileno())
    return [
        subprocess.Popen(command, pass_fds=[sock.fileno()])  # noqa: S603 - our own command
        for _ in range(count)
    ]


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + STOP_SECONDS
    for process in processes:
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-b", "--bind", default="127.0.0.1", help="address to listen on")
    parser.add_argument("-p", "--port", type=int, default=8000, help="port to listen on")
    args = parser.parse_args(argv)

    count = web_concurrency()
    sock = listen(args.bind, args.port)
    stopping: list[int] = []

    def on_signal(signum: int, _frame: object) -> None:
        stopping.append(signum)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    processes = start(sock, count)
    print(f"iop.serve: {count} daphne processes on {args.bind}:{args.port}", flush=True)
    try:
        while not stopping:
            exited = [p for p in processes if p.poll() is not None]
            if exited:
                code = exited[0].returncode
                print(f"iop.serve: a daphne process exited with {code}; stopping", flush=True)
                return code or 1
            time.sleep(0.2)
        return 0
    finally:
        stop(processes)
        sock.close()


if __name__ == "__main__":
    sys.exit(main())
