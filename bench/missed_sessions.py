"""How long one missed-session tick takes with 10,000 and with 1,000,000 past sessions.

    .venv/bin/python bench/missed_sessions.py [--server postgres://postgres@127.0.0.1:5432] [--keep]

It makes a scratch database (harbor_bench_sessions, dropped at the end unless --keep), migrates
it, and fills it with generate_series: past sessions (already handled: their timers are NULL),
20,000 sessions in the coming week (timers set, not yet due) and a few sessions whose grace
period has just passed, each with eight enrolled clients of whom five have not joined (four of
the five agreed to texts, one gets email). Then it times ticks at both sizes:

  idle tick   nothing is due: the claim query alone (the tick beat runs every 5 s)
  busy tick   one due session: claim, five no-shows, SMS consent checked, five "we missed
              you" messages queued through the outbox, engagement checks and audit rows

Each timed tick runs in a transaction that is rolled back, so every repetition does the same
work (and nothing is published). It prints the median of the repetitions, the ratio between
the two sizes, and EXPLAIN ANALYZE of the claim and the roll call. Target: under 20 ms, ratio
under 1.5.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_NAME = "harbor_bench_sessions"
UPCOMING = 20_000
FACILITATORS = 200
GROUPS = 50
DUE_SESSIONS = 30  # enough for every repetition of the busy tick to find one
REPEAT = 50


def _admin_connection(server: str):
    import psycopg

    return psycopg.connect(f"{server}/postgres", autocommit=True)


def _recreate(server: str) -> None:
    with _admin_connection(server) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def _drop(server: str) -> None:
    with _admin_connection(server) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def _setup_django(server: str) -> None:
    os.environ["DATABASE_URL"] = f"{server}/{DB_NAME}"
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/7")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iop.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _people():
    """A program, facilitators, groups, and the due sessions' clients (through the ORM: small)."""
    from datetime import date, timedelta

    from django.utils import timezone

    from iop.accounts.models import ClientProfile, Program, Role, StaffProfile, User
    from iop.consents.models import (
        ConsentAction,
        ConsentDocument,
        ConsentKind,
        ConsentMethod,
        ConsentRecord,
    )
    from sessions_app.models import Enrolment, Group

    program = Program.objects.create(name="Bench IOP", time_zone="America/New_York")
    staff = User.objects.bulk_create(
        User(email=f"f{i}@bench.example", full_name=f"Facilitator {i}", role=Role.CLINICIAN)
        for i in range(FACILITATORS)
    )
    StaffProfile.objects.bulk_create(StaffProfile(user=u, program=program) for u in staff)
    groups = Group.objects.bulk_create(
        Group(program=program, name=f"Group {i}", capacity=12) for i in range(GROUPS)
    )
    for g, group in enumerate(groups):
        group.facilitators.add(staff[g % FACILITATORS])
    clients = User.objects.bulk_create(
        User(
            email=f"c{i}@bench.example",
            full_name=f"Client {i}",
            role=Role.CLIENT,
            phone=f"+1415555{i:04d}",
        )
        for i in range(8 * DUE_SESSIONS)
    )
    profiles = ClientProfile.objects.bulk_create(
        ClientProfile(user=u, program=program, record_number=f"B{i:06d}")
        for i, u in enumerate(clients)
    )
    # As in a real group, most clients agreed to texts: the 'we missed you' is a text for them
    # and an email for the last one of each eight.
    sms = ConsentDocument.objects.create(
        kind=ConsentKind.SMS,
        version=1,
        title="Texts",
        summary="Texts.",
        body="Texts.",
        published_at=timezone.now() - timedelta(days=400),
    )
    ConsentRecord.objects.bulk_create(
        ConsentRecord(
            client=p,
            document=sms,
            kind=ConsentKind.SMS,
            action=ConsentAction.GRANT,
            method=ConsentMethod.IN_SESSION,
            recorded_by=staff[0],
            recorded_at=timezone.now() - timedelta(days=30),
        )
        for i, p in enumerate(profiles)
        if i % 8 != 7
    )
    Enrolment.objects.bulk_create(
        Enrolment(group=groups[i // 8], client=p, starts_on=date(2020, 1, 1))
        for i, p in enumerate(profiles)
    )
    return program, staff, groups, profiles


SESSION_COLUMNS = (
    "program_id, group_id, kind, title, facilitator_id, starts_at, ends_at, local_date, is_exception,"
    " status, cancel_reason, revision, video_provider, external_url, room_name, missed_check_due_at,"
    " finalise_due_at, missed_checked_at, finalised_at, created_at"
)


def _fill_past(
    cursor, program_id: int, first_staff: int, first_group: int, start: int, stop: int
) -> None:
    """Sessions start+1..stop, every 7 minutes going back from yesterday: all handled."""
    cursor.execute(
        f"""
        INSERT INTO sessions_app_session ({SESSION_COLUMNS})
        SELECT %(program)s, %(group)s + i %% {GROUPS}, 'group', 'Past group', %(staff)s + i %% {FACILITATORS},
               t, t + interval '90 minutes', (t AT TIME ZONE 'America/New_York')::date, false,
               'scheduled', '', 0, 'jitsi', '', 'bench-past-' || i, NULL, NULL,
               t + interval '10 minutes', t + interval '95 minutes', now()
        FROM generate_series(%(start)s + 1, %(stop)s) AS i,
             LATERAL (SELECT now() - interval '1 day' - i * interval '7 minutes' AS t) AS s
        """,
        {
            "program": program_id,
            "group": first_group,
            "staff": first_staff,
            "start": start,
            "stop": stop,
        },
    )


def _fill_upcoming(cursor, program_id: int, first_staff: int, first_group: int) -> None:
    cursor.execute(
        f"""
        INSERT INTO sessions_app_session ({SESSION_COLUMNS})
        SELECT %(program)s, %(group)s + i %% {GROUPS}, 'group', 'Coming group', %(staff)s + i %% {FACILITATORS},
               t, t + interval '90 minutes', (t AT TIME ZONE 'America/New_York')::date, false,
               'scheduled', '', 0, 'jitsi', '', 'bench-next-' || i, t + interval '10 minutes',
               t + interval '95 minutes', NULL, NULL, now()
        FROM generate_series(1, {UPCOMING}) AS i,
             LATERAL (SELECT now() + interval '1 hour' + i * interval '30 seconds' AS t) AS s
        """,
        {"program": program_id, "group": first_group, "staff": first_staff},
    )


def _due_sessions(program, staff, groups, profiles) -> None:
    """Sessions whose grace period just passed; three of each group's eight clients joined."""
    from datetime import timedelta

    from django.utils import timezone

    from sessions_app.models import Session
    from sessions_app.services import attendance_event_record

    now = timezone.now()
    for n in range(DUE_SESSIONS):
        starts_at = now - timedelta(minutes=11, seconds=n)
        session = Session.objects.create(
            program=program,
            group=groups[n],
            kind="group",
            title="Due group",
            facilitator=staff[n],
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=90),
            local_date=starts_at.date(),
            missed_check_due_at=starts_at + timedelta(minutes=10),
            finalise_due_at=starts_at + timedelta(minutes=95),
        )
        for client in profiles[8 * n : 8 * n + 3]:
            attendance_event_record(
                actor=None,
                session=session,
                client=client,
                kind="join",
                source="presence",
                at=starts_at + timedelta(minutes=1),
            )


def _time(func) -> list[float]:
    """Milliseconds of `func`, each run in a rolled-back transaction, REPEAT times."""
    from django.db import transaction

    samples = []
    for _ in range(REPEAT):
        with transaction.atomic():
            started = time.perf_counter()
            func()
            samples.append((time.perf_counter() - started) * 1000)
            transaction.set_rollback(True)
    return samples


def _p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[98]


def _ticks() -> tuple[list[float], list[float], int]:
    """(idle samples in ms, busy samples in ms, queries of a busy tick)."""
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from sessions_app.services import sessions_missed_tick

    def idle():
        assert sessions_missed_tick(now=timezone.now() - timedelta(minutes=30)) == 0

    def busy():
        assert sessions_missed_tick(batch=1) == 1

    _time(idle), _time(busy)  # warm caches, templates and the connection
    with CaptureQueriesContext(connection) as captured:
        _time(busy)
    return _time(idle), _time(busy), len(captured) // REPEAT


def _explain() -> str:
    """EXPLAIN ANALYZE of the tick's two reads: the claim (an UPDATE, rolled back) and the roll
    call of the session it claims."""
    from django.db import connection, transaction
    from django.utils import timezone

    from sessions_app.roll_call import _SQL as ROLL_CALL_SQL
    from sessions_app.roll_call import roll_call_params
    from sessions_app.services.missed import _CLAIM_SQL, CLAIM_BATCH

    now = timezone.now()
    out = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_CLAIM_SQL, {"now": now, "batch": CLAIM_BATCH})
        ids = [row[0] for row in cursor.fetchall()][:1]
        transaction.set_rollback(True)
    queries: list[tuple[str, str, dict[str, Any]]] = [
        ("the claim (at most 20 due sessions)", _CLAIM_SQL, {"now": now, "batch": CLAIM_BATCH}),
        ("the roll call of one claimed session", ROLL_CALL_SQL, roll_call_params(ids, at=now)),
    ]
    for title, sql, params in queries:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            transaction.set_rollback(True)
        out.append(f"-- {title}\n{plan}")
    return "\n\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--past", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    _recreate(args.server)
    try:
        _setup_django(args.server)
        from django.db import connection

        program, staff, groups, profiles = _people()
        with connection.cursor() as cursor:
            _fill_upcoming(cursor, program.pk, staff[0].pk, groups[0].pk)
            _fill_past(cursor, program.pk, staff[0].pk, groups[0].pk, 0, 10_000)
        _due_sessions(program, staff, groups, profiles)
        results = {}
        for size in (10_000, args.past):
            if size > 10_000:
                started = time.perf_counter()
                with connection.cursor() as cursor:
                    _fill_past(cursor, program.pk, staff[0].pk, groups[0].pk, 10_000, size)
                print(
                    f"filled {size - 10_000:,} more past sessions in {time.perf_counter() - started:.1f} s"
                )
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE sessions_app_session")
                cursor.execute("SELECT count(*) FROM sessions_app_session")
                total = cursor.fetchone()[0]
            idle, busy, queries = _ticks()
            results[size] = (statistics.median(idle), statistics.median(busy))
            print(
                f"{size:>9,} past sessions ({total:,} rows): "
                f"idle tick median {statistics.median(idle):5.2f} ms, p99 {_p99(idle):5.2f} ms; "
                f"busy tick median {statistics.median(busy):5.2f} ms, p99 {_p99(busy):5.2f} ms "
                f"({queries} queries)"
            )
        small, large = results[10_000], results[args.past]
        print(
            f"ratio of medians {args.past:,} / 10,000: idle {large[0] / small[0]:.2f}, "
            f"busy {large[1] / small[1]:.2f}"
        )
        print("\nEXPLAIN ANALYZE at the large size:\n" + _explain())
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            _drop(args.server)


if __name__ == "__main__":
    main()
