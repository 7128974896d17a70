"""Benchmarks of tech support (issue 12), one part at a time:

    .venv/bin/python bench/support.py --part sla [--server postgres://postgres@127.0.0.1:5432]
                                     [--tickets 1000000] [--due 300] [--keep]

Part `sla` (the SLA tick, functions `sla_*` below): a scratch database (harbor_bench_support_sla,
dropped at the end unless --keep) is migrated and filled with generate_series: closed tickets
(their timers NULL), 20,000 active tickets whose next warning or breach is still to come, and
`--due` active urgent tickets already past their first-response target (due now). The desk has
a support calendar (weekday hours with a lunch break, US holidays), a policy per priority,
five tier-1 agents, three tier-2 specialists and a lead. It times ticks at 10,000 tickets and
at `--tickets`:

  idle tick   nothing is due (the tick asked at an earlier instant): the claim alone
  busy tick   one due ticket: claim with SKIP LOCKED, clock arithmetic in the calendar, the
              80% warning (quiet) and the breach, escalation to the least busy specialist,
              outbox messages (feed and email) to four people, entries, the SlaEvent rows
  batch tick  one batch of 50 due tickets (for scale; the beat tick runs every 5 s)

Each timed tick runs in a transaction that is rolled back, so every repetition does the same
work and nothing is published. It prints medians, p99, the ratio between the two sizes, the
queries of a busy tick, and EXPLAIN ANALYZE of the claim. Target: one tick under 20 ms,
ratio under 1.5.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SLA_DB = "harbor_bench_support_sla"
SLA_ACTIVE = 20_000
SLA_SMALL = 10_000
SLA_REPEAT = 50
SLA_BATCH = 50


def _admin_connection(server: str):
    import psycopg

    return psycopg.connect(f"{server}/postgres", autocommit=True)


def _recreate(server: str, name: str) -> None:
    with _admin_connection(server) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _drop(server: str, name: str) -> None:
    with _admin_connection(server) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _setup_django(server: str, name: str) -> None:
    os.environ["DATABASE_URL"] = f"{server}/{name}"
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/7")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iop.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.conf import settings

    # DEBUG=1 only lets settings load outside production; queries are not logged while timing.
    settings.DEBUG = False


def _time(func: Callable[[], object], repeat: int = SLA_REPEAT) -> list[float]:
    """Milliseconds of `func`, each run in a rolled-back transaction."""
    from django.db import transaction

    samples = []
    for _ in range(repeat):
        with transaction.atomic():
            started = time.perf_counter()
            func()
            samples.append((time.perf_counter() - started) * 1000)
            transaction.set_rollback(True)
    return samples


def _p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[98]


# -- part sla ---------------------------------------------------------------------------------


def sla_people():
    """A program, requesters, the desk (five tier-1 agents, three specialists, a lead), and
    the calendar and policies (through the services, as an administrator would)."""
    from datetime import time as clock

    from iop.accounts.models import ClientProfile, Program, Role, StaffProfile, User
    from support.services import business_hours_save, sla_policy_save, support_calendar_save

    program = Program.objects.create(name="Bench IOP", time_zone="America/New_York")
    lead = User.objects.create_user(
        "lead@bench.example", None, full_name="Lead", role=Role.ADMIN, is_staff=True
    )
    StaffProfile.objects.create(user=lead, program=program)
    agents = []
    for n in range(8):
        role = Role.SUPPORT_TIER1 if n < 5 else Role.SUPPORT_TIER2
        user = User.objects.create_user(
            f"agent{n}@bench.example", None, full_name=f"Agent {n}", role=role
        )
        StaffProfile.objects.create(user=user, program=program)
        agents.append(user)
    requesters = User.objects.bulk_create(
        User(email=f"c{i}@bench.example", full_name=f"Client {i}", role=Role.CLIENT, password="!")
        for i in range(200)
    )
    ClientProfile.objects.bulk_create(
        ClientProfile(user=u, program=program, record_number=f"B{i:06d}")
        for i, u in enumerate(requesters)
    )
    desk = support_calendar_save(
        actor=lead,
        name="Desk",
        time_zone="America/New_York",
        holiday_country="US",
        holiday_subdivision="NY",
    )
    for weekday in range(5):
        business_hours_save(
            actor=lead, calendar=desk, weekday=weekday, opens=clock(8), closes=clock(12)
        )
        business_hours_save(
            actor=lead, calendar=desk, weekday=weekday, opens=clock(13), closes=clock(21)
        )
    policies = {}
    for priority, targets in {
        "urgent": (15, 15, 120),
        "high": (60, 120, 480),
        "normal": (240, 480, 1440),
        "low": (480, 960, 2400),
    }.items():
        policies[priority] = sla_policy_save(
            actor=lead,
            name=priority,
            priority=priority,
            calendar=desk,
            first_response_minutes=targets[0],
            next_reply_minutes=targets[1],
            resolution_minutes=targets[2],
        )
    return program, desk, policies, agents, requesters


TICKET_COLUMNS = (
    "requester_id, client_id, program_id, subject, category, priority, status, tier, assignee_id,"
    " source, tech_snapshot, created_at, updated_at, sla_policy_id, sla_calendar_id,"
    " sla_first_response_minutes, sla_next_reply_minutes, sla_resolution_minutes, sla_spent,"
    " sla_running_since, sla_next_reply_cycle, sla_fired, sla_state, first_response_due_at,"
    " resolution_due_at, next_deadline_at, escalation_due_at, closed_at, first_response_spent,"
    " resolution_spent"
)


def sla_fill_closed(cursor, ctx: dict, start: int, stop: int) -> None:
    """Closed tickets start+1..stop, opened every 3 minutes going back: no timer set."""
    cursor.execute(
        f"""
        INSERT INTO support_ticket ({TICKET_COLUMNS})
        SELECT u.id, p.id, %(program)s, %(subject)s, 'connection', 'normal', 'closed', 1,
               %(agent)s, 'portal', '{{}}', t, t + interval '2 days', %(normal)s, %(desk)s,
               240, 480, 1440, interval '3 hours', NULL, 0, '{{}}', '', NULL, NULL, NULL, NULL,
               t + interval '9 days', interval '40 minutes', interval '3 hours'
        FROM generate_series(%(start)s + 1, %(stop)s) AS i
        JOIN LATERAL (SELECT now() - interval '10 days' - i * interval '3 minutes' AS t) s ON true
        JOIN accounts_user u ON u.id = %(first_user)s + i %% 200
        JOIN accounts_clientprofile p ON p.user_id = u.id
        """,
        {**ctx, "start": start, "stop": stop},
    )


def sla_fill_active(cursor, ctx: dict, count: int, *, due: bool) -> None:
    """Active tickets: with their next warning to come (later today or on), or urgent ones
    already past their first-response target (due now, a few seconds apart)."""
    if due:
        spent, timer = "interval '20 minutes'", "now() - i * interval '1 second'"
        priority, policy, first, following, resolution = "urgent", "urgent", 15, 15, 120
    else:
        spent, timer = "interval '5 minutes'", "now() + interval '1 hour' + i * interval '1 second'"
        priority, policy, first, following, resolution = "normal", "normal", 240, 480, 1440
    cursor.execute(
        f"""
        INSERT INTO support_ticket ({TICKET_COLUMNS})
        SELECT u.id, p.id, %(program)s, %(subject)s, 'connection', '{priority}', 'open', 1,
               %(agent)s, 'portal', '{{}}', now() - interval '1 hour', now(), %({policy})s,
               %(desk)s, {first}, {following}, {resolution}, {spent}, now() - interval '1 minute',
               0, '{{}}', 'on_track', {timer}, {timer} + interval '1 day', {timer}, {timer},
               NULL, NULL, NULL
        FROM generate_series(1, %(count)s) AS i
        JOIN accounts_user u ON u.id = %(first_user)s + i %% 200
        JOIN accounts_clientprofile p ON p.user_id = u.id
        """,
        {**ctx, "count": count},
    )


def sla_ticks() -> dict[str, object]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from support.services import sla_tick

    def idle() -> None:
        assert sla_tick(now=timezone.now() - timedelta(days=1), budget_seconds=0) == 0

    def busy() -> None:
        assert sla_tick(batch=1, budget_seconds=0) == 2  # the warning (quiet) and the breach

    def batch() -> None:
        assert sla_tick(batch=SLA_BATCH, budget_seconds=0) == 2 * SLA_BATCH

    _time(idle, 5), _time(busy, 5), _time(batch, 2)  # warm caches, templates, the connection
    with CaptureQueriesContext(connection) as captured:
        _time(busy, 1)
    return {
        "idle": _time(idle),
        "busy": _time(busy),
        "batch": _time(batch, 10),
        "queries": len(captured),
        "claim_sql": next(q["sql"] for q in captured if "FOR UPDATE" in q["sql"]),
    }


def sla_explain(claim_sql: str) -> str:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + claim_sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)
    return f"-- the claim (SELECT ... FOR UPDATE SKIP LOCKED, batch of 1)\n{plan}"


def sla_main(args: argparse.Namespace) -> None:
    _recreate(args.server, SLA_DB)
    try:
        _setup_django(args.server, SLA_DB)
        from django.db import connection

        from iop.encryption import encrypt

        program, desk, policies, agents, requesters = sla_people()
        ctx = {
            "program": program.pk,
            "subject": encrypt("Video will not start"),
            "agent": agents[0].pk,
            "normal": policies["normal"].pk,
            "urgent": policies["urgent"].pk,
            "desk": desk.pk,
            "first_user": min(u.pk for u in requesters),
        }
        with connection.cursor() as cursor:
            # At 10,000: the due tickets, 2,000 active ones and closed ones; the large size
            # adds the rest of the 20,000 active tickets and closed ones up to the total.
            sla_fill_active(cursor, ctx, args.due, due=True)
            sla_fill_active(cursor, ctx, SLA_ACTIVE // 10, due=False)
            sla_fill_closed(cursor, ctx, 0, SLA_SMALL - args.due - SLA_ACTIVE // 10)
        results: dict[int, dict[str, object]] = {}
        for size in (SLA_SMALL, args.tickets):
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM support_ticket")
                have = cursor.fetchone()[0]
                if have < size:
                    started = time.perf_counter()
                    more_active = SLA_ACTIVE - SLA_ACTIVE // 10
                    sla_fill_active(cursor, ctx, more_active, due=False)
                    closed = size - have - more_active
                    sla_fill_closed(cursor, ctx, SLA_SMALL, SLA_SMALL + closed)
                    print(
                        f"filled {size - have:,} more tickets in "
                        f"{time.perf_counter() - started:.1f} s"
                    )
                cursor.execute("VACUUM ANALYZE support_ticket")
                cursor.execute(
                    "SELECT count(*), count(*) FILTER (WHERE escalation_due_at <= now()) "
                    "FROM support_ticket"
                )
                total, due_now = cursor.fetchone()
            found = sla_ticks()
            results[size] = found
            idle, busy, batch = (found[k] for k in ("idle", "busy", "batch"))
            assert isinstance(idle, list) and isinstance(busy, list) and isinstance(batch, list)
            print(
                f"{total:>9,} tickets ({due_now} due): "
                f"idle tick median {statistics.median(idle):6.2f} ms, p99 {_p99(idle):6.2f} ms; "
                f"busy tick (one due ticket) median {statistics.median(busy):6.2f} ms, "
                f"p99 {_p99(busy):6.2f} ms ({found['queries']} queries); "
                f"batch of {SLA_BATCH} median {statistics.median(batch):7.1f} ms"
            )
        small, large = results[SLA_SMALL], results[args.tickets]

        def ratio(key: str) -> float:
            a, b = small[key], large[key]
            assert isinstance(a, list) and isinstance(b, list)
            return statistics.median(b) / statistics.median(a)

        print(
            f"ratio of medians {args.tickets:,} / {SLA_SMALL:,}: idle {ratio('idle'):.2f}, "
            f"busy {ratio('busy'):.2f}, batch {ratio('batch'):.2f}"
        )
        claim = large["claim_sql"]
        assert isinstance(claim, str)
        print("\nEXPLAIN ANALYZE at the large size:\n" + sla_explain(claim))
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            _drop(args.server, SLA_DB)


PARTS = {"sla": sla_main}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=sorted(PARTS), default="sla")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=300)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    PARTS[args.part](args)


if __name__ == "__main__":
    main()
