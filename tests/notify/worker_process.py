"""A real `celery -A iop worker` process, for tests that must kill one (and for the bench)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")
STARTUP_SECONDS = 30


@dataclass
class WorkerProcess:
    process: subprocess.Popen[bytes]
    log: Path

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


@contextlib.contextmanager
def worker_process(
    *,
    database_url: str,
    redis_url: str,
    env: dict[str, str] | None = None,
    queues: str = "default,crisis,notify",
    pool: str = "solo",
    concurrency: int = 1,
) -> Iterator[WorkerProcess]:
    """Start a worker with Harbor's settings from `env`; yield once it consumes; stop it after."""
    name = f"harbor-test-{uuid.uuid4().hex[:8]}@%h"
    full_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "iop.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        # DEBUG off is production, which refuses a local http address.
        "DEBUG": "1",
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    log = Path(tempfile.mkdtemp(prefix="harbor-worker-")) / "worker.log"
    command = [
        str(CELERY),
        "-A",
        "iop",
        "worker",
        "-l",
        "INFO",
        "-n",
        name,
        "-Q",
        queues,
        "-P",
        pool,
        "-c",
        str(concurrency),
        "--without-heartbeat",
        "--without-mingle",
        "--without-gossip",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=full_env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    worker = WorkerProcess(process, log)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while " ready." not in worker.log_tail(100_000):
            if process.poll() is not None:
                raise RuntimeError(f"worker exited with {process.returncode}:\n{worker.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"worker not ready in {STARTUP_SECONDS}s:\n{worker.log_tail()}")
            time.sleep(0.1)
        yield worker
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
