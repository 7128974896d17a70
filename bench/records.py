"""Weekly IOP hours of a whole program: 500 clients, 10,000 then 1,000,000 attendance rows.

    .venv/bin/python bench/records.py [--server postgres://postgres@127.0.0.1:5432]
                                      [--rows 1000000] [--keep]

It makes a scratch database (harbor_bench_records, dropped at the end unless --keep), migrates
it, and fills it with generate_series: one program of 500 clients in 50 groups of ten, four
group sessions a week for each group, every client of the group attending each (0 to 3 hours).
The first 10,000 attendance rows are the last five weeks (the window the hours are shown for);
the rest is older history, going back about ten years at 1,000,000 rows, so the two sizes differ
only in what lies outside the window: hours that stay flat mean the query reads the window, not
the table.

At each size it times `records.selectors.hours.hours_of` for all 500 clients (the selector the
client record, the caseload, the report and the API use: this week and the 4 before, in the
program's time zone), the hours query alone, and the same query grouping with date_trunc at
the time zone instead of the week bounds, REPEAT times after a warm-up, and counts the
queries the selector makes (one: the program's settings come with the clients). It
prints the median and p99 of each, the ratio between the sizes, the EXPLAIN ANALYZE of the hours
query at the large size, and the same timing without the attendance index on (client, session
start) INCLUDE (minutes) that sessions_app keeps for it. Targets: one hours query, median and
p99 under 50 ms, ratio of medians under 1.5.
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

DB_NAME = "harbor_bench_records"
CLIENTS = 500
GROUP_SIZE = 10
GROUPS = CLIENTS // GROUP_SIZE
SESSIONS_PER_GROUP_WEEK = 4
SMALL = 10_000
REPEAT = 200
TARGET_MS = 50.0
RATIO = 1.5
INDEX = "attendance_client_minutes"

# A session every this many minutes (all groups together): 200 sessions a week.
STEP_MINUTES = 7 * 24 * 60 / (GROUPS * SESSIONS_PER_GROUP_WEEK)

SESSION_COLUMNS = (
    "program_id, group_id, kind, title, facilitator_id, starts_at, ends_at, local_date,"
    " is_exception, status, cancel_reason, revision, video_provider, external_url, room_name,"
    " missed_check_due_at, finalise_due_at, missed_checked_at, finalised_at, created_at"
)
ATTENDANCE_COLUMNS = (
    "session_id, client_id, session_starts_at, derived_status, corrected_status,"
    " minutes_attended, derived_minutes, first_joined_at, last_left_at, in_room,"
    " reported_tech_issue, is_final, correction_reason, updated_at"
)


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
    os.environ.setdefault("DEBUG", "1")  # a scratch database in this process, not a server
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.conf import settings

    settings.DEBUG = False  # time queries as production runs them, without the debug cursor


def _people():
    """The program, its facilitator, 50 groups and 500 clients (through the ORM: small)."""
    from iop.accounts.models import ClientProfile, Program, Role, StaffProfile, User
    from records.models import RecordSettings
    from sessions_app.models import Group

    program = Program.objects.create(name="Bench IOP", time_zone="America/New_York")
    RecordSettings.objects.create(program=program)
    facilitator = User.objects.create(
        email="f@bench.example", full_name="Facilitator", role=Role.CLINICIAN
    )
    StaffProfile.objects.create(user=facilitator, program=program)
    groups = Group.objects.bulk_create(
        Group(program=program, name=f"Group {i}", capacity=GROUP_SIZE) for i in range(GROUPS)
    )
    users = User.objects.bulk_create(
        User(email=f"c{i}@bench.example", full_name=f"Client {i:03d}", role=Role.CLIENT)
        for i in range(CLIENTS)
    )
    profiles = ClientProfile.objects.bulk_create(
        ClientProfile(user=u, program=program, record_number=f"B{i:06d}")
        for i, u in enumerate(users)
    )
    return program, facilitator, groups, profiles


def _fill(cursor, *, program_id, facilitator_id, first_group, first_client, start, stop) -> None:
    """Sessions start+1..stop going back from now (every STEP_MINUTES), each attended by the ten
    clients of its group: GROUP_SIZE attendance rows a session."""
    params = {
        "program": program_id,
        "facilitator": facilitator_id,
        "group": first_group,
        "client": first_client,
        "start": start,
        "stop": stop,
        "step": f"{STEP_MINUTES} minutes",
    }
    cursor.execute(
        f"""
        INSERT INTO sessions_app_session ({SESSION_COLUMNS})
        SELECT %(program)s, %(group)s + i %% {GROUPS}, 'group', 'Process group', %(facilitator)s,
               t, t + interval '3 hours', (t AT TIME ZONE 'America/New_York')::date, false,
               'scheduled', '', 0, 'jitsi', '', 'bench-hours-' || i, NULL, NULL, t, t, now()
        FROM generate_series(%(start)s + 1, %(stop)s) AS i,
             LATERAL (SELECT now() - i * %(step)s::interval AS t) AS s
        """,
        params,
    )
    cursor.execute(
        f"""
        INSERT INTO sessions_app_attendance ({ATTENDANCE_COLUMNS})
        SELECT s.id, %(client)s + (s.group_id - %(group)s) * {GROUP_SIZE} + j, s.starts_at,
               'present', '', m, m, s.starts_at, s.starts_at + m * interval '1 minute', false,
               false, true, '', now()
        FROM sessions_app_session s
        CROSS JOIN generate_series(0, {GROUP_SIZE - 1}) AS j
        CROSS JOIN LATERAL (SELECT ((s.id * 37 + j * 101) %% 181)::int AS m) AS minutes
        WHERE s.room_name LIKE 'bench-hours-%%'
          AND substr(s.room_name, 13)::int BETWEEN %(start)s + 1 AND %(stop)s
        """,
        params,
    )


def _p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[98]


def _time(funcs: dict[str, Any]) -> dict[str, list[float]]:
    """Milliseconds of each function, REPEAT times, taken in turn so that each sees the same load
    (a shared machine's load changes from second to second)."""
    for func in funcs.values():  # warm the connection, the plan and the buffers
        for _ in range(10):
            func()
    samples: dict[str, list[float]] = {name: [] for name in funcs}
    for _ in range(REPEAT):
        for name, func in funcs.items():
            started = time.perf_counter()
            func()
            samples[name].append((time.perf_counter() - started) * 1000)
    return samples


def _measure(clients) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from records.selectors.hours import _HOURS_SQL, DATE_TRUNC_SQL, hours_of

    params = _query_params(clients)

    def query():
        with connection.cursor() as cursor:
            cursor.execute(_HOURS_SQL, params)
            cursor.fetchall()

    def date_trunc():
        with connection.cursor() as cursor:
            cursor.execute(DATE_TRUNC_SQL, params)
            cursor.fetchall()

    with CaptureQueriesContext(connection) as captured:
        found = hours_of(clients)
    hours_queries = [q for q in captured.captured_queries if "sessions_app_attendance" in q["sql"]]
    assert len(found) == CLIENTS
    timed = _time({"selector": lambda: hours_of(clients), "query": query, "date_trunc": date_trunc})
    return {
        **timed,
        "queries": len(captured.captured_queries),
        "hours_queries": len(hours_queries),
        "minutes": sum(h.this_week.minutes + h.weeks[0].minutes for h in found),
    }


def _query_params(clients) -> dict[str, Any]:
    from django.utils import timezone

    from records.selectors.hours import hours_query_params
    from records.weeks import this_week, weeks_ending

    zone = clients[0].program.time_zone
    weeks = weeks_ending(this_week(zone, timezone.now()))
    return hours_query_params([c.pk for c in clients], weeks, zone)


def _explain(clients) -> str:
    from django.db import connection

    from records.selectors.hours import _HOURS_SQL

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + _HOURS_SQL, _query_params(clients))
        return "\n".join(row[0] for row in cursor.fetchall())


def _line(label: str, samples: list[float]) -> str:
    return f"{label}: median {statistics.median(samples):6.2f} ms, p99 {_p99(samples):6.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    _recreate(args.server)
    try:
        _setup_django(args.server)
        from django.db import connection

        from iop.accounts.models import ClientProfile
        from records.selectors.hours import WITH_RULES

        program, facilitator, groups, _ = _people()
        clients = list(
            ClientProfile.objects.select_related(*WITH_RULES).filter(program=program).order_by("pk")
        )
        where = {
            "program_id": program.pk,
            "facilitator_id": facilitator.pk,
            "first_group": groups[0].pk,
            "first_client": clients[0].pk,
        }
        results: dict[int, dict[str, Any]] = {}
        done = 0
        for size in (SMALL, args.rows):
            started = time.perf_counter()
            with connection.cursor() as cursor:
                _fill(cursor, **where, start=done, stop=size // GROUP_SIZE)
                cursor.execute("VACUUM ANALYZE sessions_app_attendance")
                cursor.execute("VACUUM ANALYZE sessions_app_session")
                cursor.execute("SELECT count(*) FROM sessions_app_attendance")
                total = cursor.fetchone()[0]
            done = size // GROUP_SIZE
            print(f"filled to {total:,} attendance rows in {time.perf_counter() - started:.1f} s")
            found = results[size] = _measure(clients)
            print(
                f"{total:>9,} rows, {CLIENTS} clients, 5 weeks: "
                f"{found['queries']} queries ({found['hours_queries']} for the hours)\n"
                f"    {_line('selector (hours_of)', found['selector'])}\n"
                f"    {_line('hours query alone  ', found['query'])}\n"
                f"    {_line('with date_trunc    ', found['date_trunc'])} (the same grouping, "
                "by the time zone)"
            )
        small, large = results[SMALL], results[args.rows]
        ratio = statistics.median(large["selector"]) / statistics.median(small["selector"])
        query_ratio = statistics.median(large["query"]) / statistics.median(small["query"])
        print(
            f"ratio of medians {args.rows:,} / {SMALL:,}: selector {ratio:.2f}, "
            f"query {query_ratio:.2f}"
        )
        passed = (
            large["queries"] == 1
            and max(_p99(large["selector"]), _p99(small["selector"])) < TARGET_MS
            and ratio < RATIO
        )
        print(
            f"{'PASS' if passed else 'FAIL'}: one hours query, median and p99 under "
            f"{TARGET_MS:.0f} ms, ratio under {RATIO}"
        )
        print("\nEXPLAIN ANALYZE at the large size:\n" + _explain(clients))
        with connection.cursor() as cursor:
            cursor.execute(f'DROP INDEX "{INDEX}"')
            cursor.execute("ANALYZE sessions_app_attendance")
        without = _measure(clients)
        print(
            f"\nwithout {INDEX} (the existing (client, -session start) index only), "
            f"{args.rows:,} rows:\n    {_line('selector (hours_of)', without['selector'])}"
        )
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            _drop(args.server)


if __name__ == "__main__":
    main()
