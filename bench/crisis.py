"""Benchmark of crisis escalation: API to live feed, API to SMS hand-off, and due-step lateness.

    .venv/bin/python bench/crisis.py [--events 500] [--rate 10] [--sockets 20]
                                     [--pending 10000] [--spread 60] [--keep]

Runs the production shape against real services: PostgreSQL from DATABASE_URL (a throw-away
database named harbor_bench_crisis is made beside it), Redis from REDIS_URL (Harbor's queue
keys there are emptied), the app under daphne, `celery -A iop worker` processes configured
like the Procfile's, `celery -A iop beat`, and the local Twilio server of the test suite
(tests/twilio_fake.py), which stamps when each message reaches it. Nothing leaves the machine.

Part 1: `--events` crisis events are opened through the API (POST /api/v1/crisis-events/) at
`--rate` a second while `--sockets` clinicians listen on /ws/staff/. Each event's first step
alerts its client's primary clinician by live feed and SMS. It prints p50/p99 from the API
response to (a) the crisis.opened message arriving at that clinician's socket and (b) the
first SMS reaching the Twilio server, and (c) the program's supervisor's socket hearing of the
event (crisis.oversight, sent when the event commits: the supervisor sees every open crisis from
its first second, though no step alerts them yet), beside a baseline measured in the same run: a
bare Redis channel-layer publish to one of the same listening sockets.
Targets: p99 under 500 ms to the sockets, under 1 s to the SMS hand-off.

Part 2: `--pending` escalations are put in the database with their next step due spread over
`--spread` seconds (default 300: ten thousand crises each in the middle of a five-minute wait),
and beat plus the workers fire them (a live-feed step, so what is timed is the engine: claim,
fire, advance; part 1 times the texts). It prints how late each step fired after its due_at
(target p99 under 2 s), and counts duplicate and missed steps (target: 0).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.twilio_fake import ACCOUNT_SID, AUTH_TOKEN, TwilioFake  # noqa: E402

BENCH_DB = "harbor_bench_crisis"
FROM_NUMBER = "+14155550100"
CELERY = Path(sys.executable).with_name("celery")
SMS_EVENT = re.compile(r"CRISIS #(\d+)")
WARMUP = 20


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def figures(label: str, seconds: list[float]) -> str:
    if not seconds:
        return f"{label:<44} n=    0"
    ms = [s * 1000 for s in seconds]
    return (
        f"{label:<44} n={len(ms):>5}  p50={percentile(ms, 50):8.2f} ms  "
        f"p99={percentile(ms, 99):8.2f} ms  max={max(ms):8.2f} ms  mean={statistics.mean(ms):8.2f} ms"
    )


def database_urls() -> tuple[str, str]:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/harbor")
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{BENCH_DB}")), urlunsplit(
        parts._replace(path="/postgres")
    )


def recreate_database(maintenance_url: str, *, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')


# -- data ---------------------------------------------------------------------------------------


def make_people(clinicians: int, clients: int):
    """A program, `clinicians` clinicians (phones, verified sessions), a supervisor, clients
    spread over the clinicians as primary, a one-step-then-more policy and an API key."""
    from datetime import timedelta

    from django.utils import timezone

    from crisis.models import EscalationPolicy, EscalationStep
    from iop.accounts.models import CareTeamMember, ClientProfile, Program, Role, StaffProfile, User
    from iop.api.models import Scope
    from iop.api.services import api_key_create
    from tests.conftest import sign_in

    program = Program.objects.create(name="Bench Program", time_zone="America/New_York")
    staff = []
    for n in range(clinicians):
        user = User.objects.create_user(
            f"clinician{n}@bench.harbor",
            None,
            full_name=f"Clinician {n}",
            role=Role.CLINICIAN,
            phone=f"+1415600{n:04d}",
        )
        StaffProfile.objects.create(user=user, program=program)
        staff.append(user)
    supervisor = User.objects.create_user(
        "supervisor@bench.harbor",
        None,
        full_name="Supervisor",
        role=Role.SUPERVISOR,
        phone="+14156999999",
    )
    StaffProfile.objects.create(user=supervisor, program=program)
    add_clients(program, staff, clients, prefix="c")
    policy = EscalationPolicy.objects.create(
        name="Bench", program=program, is_default=True, repeat_count=1
    )
    for position, (target, channels) in enumerate(
        [
            ("primary", ["feed", "sms"]),
            ("on_call", ["feed", "sms", "voice"]),
            ("supervisor", ["feed", "sms"]),
        ],
        start=1,
    ):
        EscalationStep.objects.create(
            policy=policy, position=position, target=target, channels=channels, wait_minutes=10
        )
    admin = User.objects.create_superuser("admin@bench.harbor", None, full_name="Admin")
    _, token = api_key_create(
        actor=admin,
        name="bench",
        program=program,
        scopes=[Scope.CRISIS_WRITE, Scope.CRISIS_READ],
        expires_at=timezone.now() + timedelta(days=1),
    )
    cookies = {user.pk: sign_in(user).cookies["sessionid"].value for user in [*staff, supervisor]}
    people = list(ClientProfile.objects.filter(program=program).order_by("pk"))
    primaries = dict(
        CareTeamMember.objects.filter(is_primary=True).values_list("client_id", "clinician_id")
    )
    return program, staff, people, primaries, token, cookies


def add_clients(program, staff, count: int, *, prefix: str) -> list[int]:
    from iop.accounts.models import CareTeamMember, ClientProfile, Role, User

    users = User.objects.bulk_create(
        User(
            email=f"{prefix}{n}@bench.harbor",
            full_name=f"Client {prefix}{n}",
            role=Role.CLIENT,
            password="!",
            phone="",
        )
        for n in range(count)
    )
    profiles = ClientProfile.objects.bulk_create(
        ClientProfile(user=user, program=program, record_number=f"B{prefix}{n:06d}")
        for n, user in enumerate(users)
    )
    CareTeamMember.objects.bulk_create(
        CareTeamMember(client=p, clinician=staff[n % len(staff)], is_primary=True)
        for n, p in enumerate(profiles)
    )
    return [p.pk for p in profiles]


# -- processes ----------------------------------------------------------------------------------


class Beat:
    def __init__(self, env: dict[str, str]):
        self.dir = Path(tempfile.mkdtemp(prefix="harbor-beat-"))
        self.log = (self.dir / "beat.log").open("wb")
        self.process = subprocess.Popen(
            [
                str(CELERY),
                "-A",
                "iop",
                "beat",
                "-l",
                "WARNING",
                "--schedule",
                str(self.dir / "schedule"),
            ],
            cwd=ROOT,
            env={**os.environ, **env},
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


# -- the listening sockets ------------------------------------------------------------------------


class Listeners:
    """`count` staff websockets in one asyncio loop (a thread); stamps each message's arrival."""

    def __init__(self, url: str, cookies: dict[int, str]):
        self.url = url.replace("http://", "ws://") + "/ws/staff/"
        self.origin = url
        self.cookies = cookies
        self.opened: dict[int, tuple[int, float]] = {}  # event id -> (user id, first arrival)
        self.oversight: dict[int, float] = {}  # event id -> first crisis.oversight arrival
        self.deliveries: list[tuple[int, int]] = []  # every (event id, user id) received
        self.pings: dict[str, float] = {}
        self.connected = threading.Event()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._open_all(), self.loop)
        if not self.connected.wait(30):
            raise SystemExit("the staff sockets did not connect")

    async def _open_all(self) -> None:
        import aiohttp

        self.session = aiohttp.ClientSession()
        ready = []
        for user_id, cookie in self.cookies.items():
            ws = await self.session.ws_connect(
                self.url,
                headers={"Origin": self.origin, "Cookie": f"sessionid={cookie}"},
                heartbeat=None,
            )
            hello = await ws.receive_json(timeout=10)
            assert hello["event"] == "feed.connected", hello
            ready.append(asyncio.ensure_future(self._read(user_id, ws)))
        self.connected.set()

    async def _read(self, user_id: int, ws) -> None:
        async for message in ws:
            arrived = time.time()
            data = json.loads(message.data)
            if data["event"] == "crisis.opened":
                self.deliveries.append((data["payload"]["event_id"], user_id))
                self.opened.setdefault(data["payload"]["event_id"], (user_id, arrived))
            elif data["event"] == "crisis.oversight":
                self.oversight.setdefault(data["payload"]["event_id"], arrived)
            elif data["event"] == "bench.ping":
                self.pings[data["payload"]["token"]] = arrived

    def stop(self) -> None:
        async def close():
            await self.session.close()

        asyncio.run_coroutine_threadsafe(close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)


def channel_layer_baseline(listeners: Listeners, user_id: int, count: int) -> list[float]:
    """A bare channel-layer publish (Redis) to one listening socket, one at a time."""
    from iop.realtime import groups
    from iop.realtime.publish import send_now

    latencies = []
    for n in range(count):
        token = f"p{n}"
        sent = time.time()
        send_now(
            [groups.user_group(user_id)],
            {
                "type": "feed.event",
                "id": token,
                "event": "bench.ping",
                "at": "",
                "payload": {"token": token},
            },
        )
        deadline = time.monotonic() + 5
        while token not in listeners.pings and time.monotonic() < deadline:
            time.sleep(0.0005)
        if token in listeners.pings:
            latencies.append(listeners.pings[token] - sent)
    return latencies


# -- part 1 ---------------------------------------------------------------------------------------


def open_events(base_url: str, token: str, client_ids: list[int], rate: float) -> dict[int, float]:
    """POST one event per client at `rate` a second; returns event id -> response time."""
    import requests

    local = threading.local()
    responded: dict[int, float] = {}
    errors: list[str] = []
    start = time.monotonic() + 0.5

    def post(index: int, client_id: int) -> None:
        delay = start + index / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        response = session.post(
            f"{base_url}/api/v1/crisis-events/",
            json={"client": client_id, "summary": "bench"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        if response.status_code != 201:
            errors.append(f"{response.status_code} {response.text[:200]}")
            return
        responded[response.json()["id"]] = time.time()

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(post, range(len(client_ids)), client_ids))
    if errors:
        print(f"{len(errors)} API errors, first: {errors[0]}")
    return responded


def sms_arrivals(fake: TwilioFake) -> dict[int, float]:
    first: dict[int, float] = {}
    for request in list(fake.requests):
        found = SMS_EVENT.search(request.form.get("Body", ""))
        if found and request.kind == "Messages":
            first.setdefault(int(found.group(1)), request.at)
    return first


# -- part 2 ---------------------------------------------------------------------------------------


def pending_escalations(program, staff, count: int, spread: float) -> tuple[float, float]:
    """`count` open events whose first step falls due over `spread` s from 10 s from now."""
    from datetime import timedelta

    from django.utils import timezone

    from crisis.models import CrisisEvent
    from crisis.services.planning import escalation_plan_for
    from iop.accounts.models import ClientProfile

    client_ids = add_clients(program, staff, count, prefix="p")
    _, plan = escalation_plan_for(ClientProfile.objects.get(pk=client_ids[0]))
    first_step = dataclasses.replace(plan.steps[0], channels=("feed",))
    plan = dataclasses.replace(plan, steps=(first_step, *plan.steps[1:]))
    first = timezone.now() + timedelta(seconds=10)
    CrisisEvent.objects.bulk_create(
        (
            CrisisEvent(
                client_id=client_id,
                source="api",
                escalation_plan=plan.to_json(),
                next_step_due_at=first + timedelta(seconds=spread * n / count),
            )
            for n, client_id in enumerate(client_ids)
        ),
        batch_size=2000,
    )
    return first.timestamp(), (first + timedelta(seconds=spread)).timestamp()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--sockets", type=int, default=20)
    parser.add_argument("--pending", type=int, default=10_000)
    parser.add_argument(
        "--spread", type=float, default=300.0, help="seconds over which they fall due"
    )
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes (Procfile: 2)")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
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
    from django.db import connections

    from crisis.models import CrisisEvent, EscalationFiring
    from tests.notify.conftest import purge_queues
    from tests.notify.worker_process import worker_process
    from tests.servers import run_daphne

    call_command("migrate", verbosity=0)
    purge_queues()
    program, staff, clients, primaries, token, cookies = make_people(
        args.sockets, args.events + WARMUP
    )
    print(f"PostgreSQL {bench_url.rsplit('@', 1)[-1]}, Redis {redis_url.rsplit('@', 1)[-1]}")
    print(
        f"daphne; celery worker -P prefork -c {args.concurrency} (Procfile's queues); celery beat"
    )
    beat = None
    try:
        with (
            run_daphne(
                bench_url,
                redis_url,
                **{k: v for k, v in env.items() if k not in ("DATABASE_URL", "REDIS_URL")},
            ) as web,
            worker_process(
                database_url=bench_url,
                redis_url=redis_url,
                env=env,
                pool="prefork",
                concurrency=args.concurrency,
            ),
        ):
            beat = Beat(env)
            listeners = Listeners(web.url, cookies)
            listeners.start()
            print(f"{len(cookies)} staff sockets listening\n")

            print(f"== part 1: {args.events} crisis events through the API at {args.rate:g}/s ==")
            # Warm up every process's connections and imports (the twilio client is slow to
            # load the first time), as a running clinic's would be; then measure.
            warm = open_events(web.url, token, [c.pk for c in clients[:WARMUP]], args.rate)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and len(sms_arrivals(fake)) < len(warm):
                time.sleep(0.1)
            CrisisEvent.objects.filter(pk__in=list(warm)).update(
                state="acknowledged", next_step_due_at=None
            )
            baseline = channel_layer_baseline(listeners, staff[0].pk, 300)
            print(figures("baseline: channel-layer publish -> socket", baseline))
            responded = open_events(web.url, token, [c.pk for c in clients[WARMUP:]], args.rate)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not (
                set(responded) <= set(listeners.opened)
                and set(responded) <= set(listeners.oversight)
                and set(responded) <= set(sms_arrivals(fake))
            ):
                time.sleep(0.1)
            feed = {
                e: listeners.opened[e][1] - t for e, t in responded.items() if e in listeners.opened
            }
            sms = sms_arrivals(fake)
            to_sms = {e: sms[e] - t for e, t in responded.items() if e in sms}
            print(figures("API response -> crisis.opened at the socket", list(feed.values())))
            print(figures("API response -> first SMS at Twilio", list(to_sms.values())))
            to_supervisor = {
                e: listeners.oversight[e] - t
                for e, t in responded.items()
                if e in listeners.oversight
            }
            print(figures("API response -> the supervisor's socket", list(to_supervisor.values())))
            client_of = dict(
                CrisisEvent.objects.filter(pk__in=list(responded)).values_list("pk", "client_id")
            )
            delivered = [(e, u) for e, u in listeners.deliveries if e in responded]
            right = sum(1 for e, u in delivered if u == primaries.get(client_of[e]))
            wrong = len(delivered) - right  # sockets of clinicians not in the step
            early = sum(1 for v in list(feed.values()) + list(to_sms.values()) if v < 0)
            print(
                f"events opened: {len(responded)}; reached the right clinician's socket: {right} "
                f"(another's: {wrong}); "
                f"SMS handed to Twilio: {len(to_sms)}; arrivals before the API response was read: {early}"
            )
            CrisisEvent.objects.filter(pk__in=list(responded)).update(
                state="acknowledged", next_step_due_at=None
            )

            print(f"\n== part 2: {args.pending} pending escalations due over {args.spread:g} s ==")
            first_due, last_due = pending_escalations(program, staff, args.pending, args.spread)
            pending = set(
                CrisisEvent.objects.filter(
                    state="open", next_step_due_at__isnull=False
                ).values_list("pk", flat=True)
            )
            while time.time() < last_due + 15:
                time.sleep(0.5)
                if EscalationFiring.objects.filter(event_id__in=pending).count() >= len(pending):
                    break
            time.sleep(3)
            rows = list(
                EscalationFiring.objects.filter(event_id__in=pending).values_list(
                    "event_id", "due_at", "fired_at"
                )
            )
            late = [(fired - due).total_seconds() for _, due, fired in rows]
            per_event: dict[int, int] = {}
            for event_id, _, _ in rows:
                per_event[event_id] = per_event.get(event_id, 0) + 1
            duplicates = sum(n - 1 for n in per_event.values() if n > 1)
            missed = len(pending) - len(per_event)
            print(figures("step fired after its due_at", late))
            print(
                f"steps due: {len(pending)}; fired: {len(rows)}; duplicates: {duplicates}; missed: {missed}"
            )
            listeners.stop()
    finally:
        if beat is not None:
            beat.stop()
        fake.stop()
        purge_queues()
        connections.close_all()
        if not args.keep:
            recreate_database(maintenance_url, drop_only=True)


if __name__ == "__main__":
    main()
