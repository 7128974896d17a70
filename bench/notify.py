"""Benchmark of the outbox: commit-to-handoff latency, throughput, and the sweep's query.

    .venv/bin/python bench/notify.py [--messages 2000] [--rows 1000000] [--keep]

Runs against real services: PostgreSQL from DATABASE_URL (a throw-away database named
harbor_bench_notify is created beside it) and Redis from REDIS_URL (Harbor's queue keys there
are emptied), a real `celery -A iop worker` process configured like the Procfile's, and the
local Twilio server of the test suite (tests/twilio_fake.py), which stamps when each message
reaches it. Nothing leaves the machine. It prints:

  * baseline: a bare Redis LPUSH -> BRPOP round trip, the floor any broker hand-off sits on;
  * idle worker: messages committed one at a time, each handed off before the next;
  * burst: the same number committed back to back, measured until the last hand-off;
  * the sweep's claim query under EXPLAIN ANALYZE, with no finished rows and with --rows
    delivered rows in the table (target: under 5 ms, the same with a million rows as none).

"Handoff" is the moment the Twilio server receives the API request, minus the moment the
enqueueing transaction committed (both read from the same clock).
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.twilio_fake import ACCOUNT_SID, AUTH_TOKEN, TwilioFake  # noqa: E402

BENCH_DB = "harbor_bench_notify"
FROM_NUMBER = "+14155550100"


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def figures(label: str, seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return (
        f"{label:<34} n={len(ms):>5}  p50={percentile(ms, 50):7.2f} ms  "
        f"p99={percentile(ms, 99):7.2f} ms  max={max(ms):7.2f} ms  "
        f"mean={statistics.mean(ms):7.2f} ms"
    )


def database_urls() -> tuple[str, str]:
    """(the bench database's URL, the maintenance database's URL) beside DATABASE_URL."""
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/harbor")
    parts = urlsplit(base)
    return (
        urlunsplit(parts._replace(path=f"/{BENCH_DB}")),
        urlunsplit(parts._replace(path="/postgres")),
    )


def recreate_database(maintenance_url: str) -> None:
    import psycopg

    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')


def drop_database(maintenance_url: str) -> None:
    import psycopg

    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


def redis_baseline(redis_url: str, count: int) -> list[float]:
    """LPUSH a timestamp, BRPOP it in another thread: one bare hand-off through Redis."""
    import redis

    key = "harbor:bench:baseline"
    producer = redis.Redis.from_url(redis_url)
    consumer = redis.Redis.from_url(redis_url)
    producer.delete(key)
    latencies: list[float] = []
    done = threading.Event()

    def consume() -> None:
        for _ in range(count):
            popped = consumer.brpop([key], timeout=10)
            if popped is None:
                break  # the publisher stopped; report what arrived
            _, raw = popped
            latencies.append(time.time() - float(raw))
        done.set()

    threading.Thread(target=consume, daemon=True).start()
    for _ in range(count):
        before = len(latencies)
        producer.lpush(key, repr(time.time()))
        while len(latencies) == before and not done.is_set():
            time.sleep(0.0005)
    done.wait(10)
    return latencies


class Sender:
    """Enqueues messages the way domain code does and remembers when each one committed."""

    def __init__(self) -> None:
        from django.db import transaction

        from iop.notify.models import Channel, Purpose
        from iop.notify.services import message_enqueue

        self.transaction = transaction
        self.enqueue = message_enqueue
        self.channel, self.purpose = Channel.SMS, Purpose.REMINDER
        self.committed: dict[str, float] = {}
        self.sequence = 0

    def send(self, prefix: str) -> str:
        self.sequence += 1
        key = f"bench:{prefix}:{self.sequence}"
        with self.transaction.atomic():
            # Registered before the enqueue's own hook, so it runs first, right at commit.
            self.transaction.on_commit(lambda: self.committed.__setitem__(key, time.time()))
            self.enqueue(
                actor=None,
                channel=self.channel,
                purpose=self.purpose,
                idempotency_key=key,
                to=f"+1415{2000000 + self.sequence % 1_000_000:07d}",
                body="Reminder: your group starts at 10:00. Reply STOP to stop texts.",
            )
        return key


def due_now(sender: Sender, count: int) -> None:
    """Rows the sweep must claim: queued, due, held by no task (as after a failed publish)."""
    from django.utils import timezone

    from iop.notify.models import OutboundMessage
    from tests.notify.conftest import purge_queues

    keys = [sender.send("pending") for _ in range(count)]
    OutboundMessage.objects.filter(idempotency_key__in=keys).update(
        claim=None, next_attempt_at=timezone.now()
    )
    purge_queues()  # their dispatch tasks: the sweep is what is measured


def handoffs(fake: TwilioFake) -> dict[str, float]:
    return {r.headers.get("Idempotency-Key", ""): r.at for r in list(fake.requests)}


def wait_for_requests(fake: TwilioFake, count: int, timeout: float) -> None:
    if not fake.wait_for(count, timeout=timeout):
        raise SystemExit(
            f"only {len(fake.requests)} of {count} messages reached Twilio in {timeout}s"
        )


def explain_sweep(label: str, *, quiet: bool = False) -> float:
    from django.db import connection, transaction
    from django.utils import timezone

    from iop.notify.services.dispatch import due_rows

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE notify_outboundmessage")
    with transaction.atomic():
        plan = due_rows(timezone.now()).explain(analyze=True, buffers=True)
    if not quiet:
        print(f"\n-- EXPLAIN ANALYZE of the sweep's claim, {label}:")
        print(plan)
    line = next(row for row in plan.splitlines() if row.startswith("Execution Time"))
    return float(line.split(":")[1].split()[0])


def fill_delivered(rows: int) -> float:
    """Insert `rows` delivered messages in one statement; returns seconds taken."""
    from django.db import connection

    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO notify_outboundmessage (
                idempotency_key, channel, purpose, "to", about_id, subject, body, template,
                context, status, attempts, next_attempt_at, hold_reason, provider, provider_id,
                provider_status, error_code, error_message, created_at, updated_at, sent_at,
                delivered_at, finished_at
            )
            SELECT 'bench:delivered:' || n, 'sms', 'reminder',
                   '+1415' || lpad((3000000 + n %% 1000000)::text, 7, '0'), '', '', '', '',
                   '{}'::jsonb, 'delivered', 1, at, '', 'twilio', 'SM' || md5(n::text),
                   'delivered', '', '', at, at, at, at, at
            FROM generate_series(1, %s) AS n,
                 LATERAL (SELECT now() - (n || ' seconds')::interval AS at) AS t
            """,
            [rows],
        )
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--pool", default="prefork", help="worker pool (Procfile: prefork)")
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes (Procfile: 2)")
    args = parser.parse_args()

    bench_url, maintenance_url = database_urls()
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    fake = TwilioFake().start()
    env = {
        "DATABASE_URL": bench_url,
        "REDIS_URL": redis_url,
        "SMS_BACKEND": "twilio",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": FROM_NUMBER,
        "TWILIO_API_BASE_URL": fake.url,
        "NOTIFY_RATE_LIMIT_PER_HOUR": "1000000",
        "NOTIFY_QUIET_START": "0",
        "NOTIFY_QUIET_END": "0",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iop.settings")
    recreate_database(maintenance_url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections

    from iop.notify.models import OutboundMessage, Status
    from tests.notify.conftest import purge_queues
    from tests.notify.worker_process import worker_process

    call_command("migrate", verbosity=0)
    purge_queues()
    print(f"PostgreSQL {bench_url.rsplit('@', 1)[-1]}, Redis {redis_url.rsplit('@', 1)[-1]}")
    print(f"worker: celery -P {args.pool} -c {args.concurrency}; Twilio: local server {fake.url}")

    print("\n== the sweep's claim query, before ==")
    sender = Sender()
    due_now(sender, 100)
    empty_ms = explain_sweep(f"{OutboundMessage.objects.count()} rows in the table, all due")

    count = args.messages
    print("\n== hand-off latency (commit -> request reaches Twilio) ==")
    print(figures("baseline: Redis LPUSH -> BRPOP", redis_baseline(redis_url, count)))

    try:
        with worker_process(
            database_url=bench_url,
            redis_url=redis_url,
            env=env,
            pool=args.pool,
            concurrency=args.concurrency,
        ):
            for _ in range(20):  # warm up connections in this process and the worker's
                sender.send("warmup")
            wait_for_requests(fake, 20, 30)

            keys = []
            for n in range(count):
                keys.append(sender.send("idle"))
                wait_for_requests(fake, 20 + n + 1, 30)
            arrived = handoffs(fake)
            idle = [arrived[k] - sender.committed[k] for k in keys]
            print(figures("outbox, idle worker", idle))

            before = len(fake.requests)
            started = time.time()
            keys = [sender.send("burst") for _ in range(count)]
            enqueued = time.time() - started
            wait_for_requests(fake, before + count, 300)
            arrived = handoffs(fake)
            finished = max(arrived[k] for k in keys)
            burst = [arrived[k] - sender.committed[k] for k in keys]
            print(figures(f"outbox, burst of {count}", burst))
            deadline = time.monotonic() + 60
            while OutboundMessage.objects.filter(status=Status.SENT).count() < 2 * count + 20:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            recorded = time.time() - started
            print(
                f"\nthroughput: {count} committed in {enqueued:.2f} s ({count / enqueued:.0f}/s); "
                f"all handed to Twilio after {finished - started:.2f} s "
                f"= {count / (finished - started):.0f} messages/s; all recorded sent after "
                f"{recorded:.2f} s"
            )
            duplicates = len(fake.messages()) - (2 * count + 20)
            print(f"messages created at Twilio: {len(fake.messages())} (duplicates: {duplicates})")
    finally:
        fake.stop()
        purge_queues()

    print("\n== the sweep's claim query, after ==")
    sent_ms = explain_sweep(
        f"{OutboundMessage.objects.count():,} rows, {2 * count + 20:,} just sent"
    )
    print(f"\ninserting {args.rows:,} delivered rows ...")
    took = fill_delivered(args.rows)
    print(f"inserted in {took:.1f} s")
    cold_ms = explain_sweep(f"{OutboundMessage.objects.count():,} rows, straight after the insert")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE notify_outboundmessage")
    runs = [
        explain_sweep("after VACUUM ANALYZE (what autovacuum leaves)", quiet=n > 0)
        for n in range(5)
    ]
    print(
        f"\nsweep query (target < 5 ms): {empty_ms:.3f} ms with only its 100 due rows in the "
        f"table; {sent_ms:.3f} ms after this run sent {2 * count + 20:,}; with "
        f"{args.rows:,} delivered rows: {cold_ms:.3f} ms on the first run straight after the "
        f"bulk insert, {statistics.median(runs):.3f} ms (median of {len(runs)}) once vacuumed"
    )

    connections.close_all()
    if not args.keep:
        drop_database(maintenance_url)


if __name__ == "__main__":
    main()
