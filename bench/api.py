"""Latency of every list endpoint of the API under a steady load, beside /healthz in the same run.

    .venv/bin/python bench/api.py [--rate 150] [--seconds 60] [--runs 3] [--warmup 5] [--web N]
                                  [--endpoints check-ins,sessions] [--keep] [--reuse]

Runs the production shape against real services: PostgreSQL from DATABASE_URL (a throw-away
database named harbor_bench_api is made beside it), Redis from REDIS_URL (Harbor's queue keys
there are emptied), Harbor with DEBUG off and production's settings, reached as Caddy reaches it
in docker-compose.yml (the public host, X-Forwarded-Proto https, from a trusted proxy); the web
server as the Procfile and the image start it, `python -m iop.serve` (`--web` daphne processes
on one socket, default one per CPU as in production, each with its PostgreSQL pool); a
`celery -A iop worker` configured like the Procfile's; `celery -A iop beat`; and the test
suite's local Twilio server for the texts the clinic sends meanwhile. Nothing leaves the machine.

The clinic is seeded through the project's factories and services, with bulk inserts only for
the bulk (the check-ins' history and the attendance events): one program, six clinicians with
caseloads, a supervisor, 50 clients with care teams, emergency contacts and consents (some
withdrawn), five groups of ten, 500 group sessions (three in five past, their attendance
derived by the service from join and leave events), 5,000 check-ins spread over the clients,
safety plans (some revised), crisis events (open, acknowledged, resolved, three from high-risk
check-ins), tech checks, make-up offers, an escalation policy, an on-call rota and local
resources. It takes about two minutes; `--keep` then `--reuse` skips it on the next run.

The endpoints come from the published schema (/api/schema/): every GET whose 200 response is
paginated (has `results`) and that an API key may call, so a new list endpoint is benched
without editing this file; a path parameter is filled from the first row of its parent list.
They are called as integrators do, with API keys holding every scope: as many keys as keep each
within half the per-key throttle budget, which stays on (one key at 150/s would be throttled).

The load is open-loop: requests are scheduled at a fixed `--rate` a second in total, round-robin
over the endpoints and /healthz, so the baseline is measured under the same load; a request's
latency runs from its scheduled send time to the end of its body, so a stalled server is not
excused by the client waiting for it (no coordinated omission). After `--warmup` seconds that
are not counted, `--seconds` are measured. It prints, per endpoint: requests, rows on the first
page over the list's count, p50, p99, p99 over /healthz's p99, errors, and PASS or FAIL against
the targets: p99 under 100 ms and under 5x the /healthz p99, with no errors. The load generator
runs in this process, on the same machine: on a small or shared machine it competes with the
server for the CPUs, so note the load average printed before and after.

The measured window is run `--runs` times back to back (default 3), each with its own table, so
one lucky or unlucky minute is not the figure: on a shared virtual machine the same code has
given an overall p99 from 20 to 370 ms a few minutes apart. Each run also prints how the
machine's CPUs were spent meanwhile (busy, idle, and stolen by the host: time the VM was ready
to run but was not given a CPU), from /proc/stat; a run with steal, or no idle, measured the
neighbours as much as Harbor. It passes only if every run passes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.crisis import Beat, percentile  # noqa: E402
from tests.twilio_fake import ACCOUNT_SID, AUTH_TOKEN, TwilioFake  # noqa: E402

BENCH_DB = "harbor_bench_api"
PUBLIC_HOST = "harbor-bench.example"
FROM_NUMBER = "+14155550100"
# Literals made for this bench (production refuses weak or missing ones), used nowhere else.
SECRET_KEY = "bench-api-5Jq8vR2mXw7LpT4nZc9KdG3hYb6FsA1eU0oIyNtQ-only-for-bench-api"
FIELD_KEY = "VGrUZzo0NqZExm3MQDVEUix97_q_l68JT_qwLMItX1g="
RECORDING_KEY = "bench:lEOtUpnnlX-pwU1ZsxGPUSrU40qGiyEFFaj0AOJJqVE="
P99_LIMIT_MS = 100.0
HEALTHZ_FACTOR = 5.0

CLINICIANS = 6
CLIENTS = 50
GROUPS = 5
SESSIONS = 500
PAST_SHARE = 0.6
CHECK_INS = 5_000
HISTORY_DAYS = 150


def database_urls(name: str = BENCH_DB) -> tuple[str, str]:
    """(the bench database's URL, the maintenance database's URL) beside DATABASE_URL."""
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/harbor")
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{name}")), urlunsplit(parts._replace(path="/postgres"))


def database_exists(maintenance_url: str, name: str = BENCH_DB) -> bool:
    import psycopg

    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return found.fetchone() is not None


def recreate_database(
    maintenance_url: str, *, drop_only: bool = False, name: str = BENCH_DB
) -> None:
    import psycopg

    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def production_env(bench_url: str, redis_url: str, twilio_url: str) -> dict[str, str]:
    """Production's settings (DEBUG off passes its own checks), on this machine."""
    return {
        "DEBUG": "0",
        "DATABASE_URL": bench_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": SECRET_KEY,
        "FIELD_ENCRYPTION_KEYS": FIELD_KEY,
        "RECORDING_KEYS": RECORDING_KEY,
        "PUBLIC_BASE_URL": f"https://{PUBLIC_HOST}",
        "ALLOWED_HOSTS": PUBLIC_HOST,
        # The load generator stands where Caddy does: the one peer whose forwarded headers count.
        "TRUSTED_PROXIES": "127.0.0.1",
        "SMS_BACKEND": "twilio",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": FROM_NUMBER,
        "TWILIO_API_BASE_URL": twilio_url,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "JITSI_BASE_URL": f"https://video.{PUBLIC_HOST}",
        "NOTIFY_QUIET_START": "0",
        "NOTIFY_QUIET_END": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }


# -- the clinic ---------------------------------------------------------------------------------


@dataclass
class Clinic:
    """The seeded people and sessions the later seeding steps build on (models, loaded late)."""

    program: Any
    admin: Any
    clinicians: list[Any] = field(default_factory=list)
    clients: list[Any] = field(default_factory=list)
    primary: dict[int, Any] = field(default_factory=dict)  # client pk -> clinician
    groups: list[Any] = field(default_factory=list)
    members: dict[int, list[Any]] = field(default_factory=dict)  # group pk -> clients
    past: list[Any] = field(default_factory=list)
    future: list[Any] = field(default_factory=list)


PLAN = {
    "warning_signs": "Not sleeping for two nights\nSkipping meals",
    "coping_strategies": "Cold water on my face\nBox breathing\nA walk round the block",
    "distractions": "Coffee with Jo\nThe library on Main Street",
    "help_contacts": "My sister Jo\nMy friend Sam",
    "professionals": "My clinician's after-hours line\nHarbor 24/7 line\n988 (call or text)",
    "environment": "Medicines kept by Jo\nNo alcohol at home",
    "reason_for_living": "My daughter",
}


def seed_people():
    """The program, its staff, clients with care teams, emergency contacts and consents."""
    from iop.accounts.models import Role, User
    from iop.consents.models import ConsentKind, ConsentMethod
    from iop.consents.services import consent_grant, consent_withdraw
    from tests.factories import (
        CareTeamFactory,
        ClientProfileFactory,
        ConsentDocumentFactory,
        EmergencyContactFactory,
        ProgramFactory,
        StaffFactory,
        UserFactory,
    )

    program = ProgramFactory(name="Bench IOP")
    admin = User.objects.create_superuser("admin@bench.harbor", None, full_name="Bench Admin")
    StaffFactory(
        email="supervisor@bench.harbor",
        role=Role.SUPERVISOR,
        password=None,
        phone="+14156000999",
        profile__program=program,
    )
    clinic = Clinic(program=program, admin=admin)
    for n in range(CLINICIANS):
        clinic.clinicians.append(
            StaffFactory(
                email=f"clinician{n}@bench.harbor",
                password=None,
                phone=f"+1415600{n:04d}",
                profile__program=program,
            )
        )
    today = date.today()
    for n in range(CLIENTS):
        user = UserFactory(email=f"client{n}@bench.harbor", password=None, phone=f"+1415700{n:04d}")
        client = ClientProfileFactory(
            user=user,
            program=program,
            record_number=f"BENCH{n:05d}",
            admitted_on=today - timedelta(days=HISTORY_DAYS + 10),
        )
        primary = clinic.clinicians[n % CLINICIANS]
        CareTeamFactory(client=client, clinician=primary, is_primary=True)
        CareTeamFactory(
            client=client, clinician=clinic.clinicians[(n + 1) % CLINICIANS], is_primary=False
        )
        EmergencyContactFactory(client=client, priority=1)
        clinic.clients.append(client)
        clinic.primary[client.pk] = primary

    documents = {kind: ConsentDocumentFactory(kind=kind) for kind in ConsentKind.values}
    for n, client in enumerate(clinic.clients):
        clinician = clinic.primary[client.pk]
        kinds = [ConsentKind.SMS, ConsentKind.EMERGENCY_CONTACT]
        kinds += [ConsentKind.RECORDING_THERAPEUTIC] if n % 5 else []
        kinds += [ConsentKind.LOCATION] if n % 3 == 0 else []
        for kind in kinds:
            consent_grant(
                actor=clinician,
                client=client,
                document=documents[kind],
                method=ConsentMethod.IN_SESSION,
            )
        if n % 10 == 4:
            consent_withdraw(
                actor=clinician,
                client=client,
                kind=ConsentKind.RECORDING_THERAPEUTIC,
                method=ConsentMethod.IN_SESSION,
                note="Prefers not to be recorded any more",
            )
    return clinic


def seed_crisis_setup(clinic: Clinic) -> None:
    """The escalation policy, a rota around now, and the local resources staff look up."""
    from django.utils import timezone

    from crisis.models import LocalResource
    from crisis.services import escalation_policy_save, on_call_shift_save

    escalation_policy_save(
        actor=clinic.admin,
        name="Primary, on call, supervisor",
        program=clinic.program,
        is_default=True,
        repeat_count=2,
        steps=[
            {"target": "primary", "channels": ["feed", "sms"], "wait_minutes": 10},
            {"target": "on_call", "channels": ["feed", "sms", "voice"], "wait_minutes": 10},
            {"target": "supervisor", "channels": ["feed", "sms"], "wait_minutes": 10},
        ],
    )
    start = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(days=7)
    for day in range(21):
        on_call_shift_save(
            actor=clinic.admin,
            program=clinic.program,
            user=clinic.clinicians[day % CLINICIANS],
            starts_at=start + timedelta(days=day),
            ends_at=start + timedelta(days=day + 1),
            time_zone=clinic.program.time_zone,
        )
    LocalResource.objects.bulk_create(
        LocalResource(
            name=f"Resource {n}",
            kind=("ed", "crisis_centre", "mobile_crisis", "detox")[n % 4],
            region=("Sangamon County", "Menard County")[n % 2],
            phone=f"+1217555{n:04d}",
            latitude=39.78 + n / 200,
            longitude=-89.65 - n / 200,
            address=f"{n} Main St",
        )
        for n in range(30)
    )


def seed_schedule(clinic: Clinic) -> None:
    """Five groups of ten clients; 500 sessions, 6 pm on weekdays, three in five in the past."""
    from zoneinfo import ZoneInfo

    from sessions_app.models import Group
    from sessions_app.services import enrolment_create, session_create

    zone = ZoneInfo(clinic.program.time_zone)
    today = date.today()
    per_group = SESSIONS // GROUPS
    past_days = round(per_group * PAST_SHARE)
    for g in range(GROUPS):
        group = Group.objects.create(program=clinic.program, name=f"Group {g}", capacity=12)
        facilitator = clinic.clinicians[g]
        group.facilitators.add(facilitator)
        clinic.groups.append(group)
        clinic.members[group.pk] = clinic.clients[g::GROUPS]
        for client in clinic.members[group.pk]:
            enrolment_create(
                actor=clinic.admin,
                group=group,
                client=client,
                starts_on=today - timedelta(days=HISTORY_DAYS + 7),
            )
        # Weekdays counted back and forward from today; each group meets every weekday.
        days: list[date] = []
        day = today
        while len(days) < past_days:
            day -= timedelta(days=1)
            if day.weekday() < 5:
                days.append(day)
        day = today
        while len(days) < per_group:
            day += timedelta(days=1)
            if day.weekday() < 5:
                days.append(day)
        for day in days:
            starts_at = datetime.combine(day, clock(17 + g % 2), tzinfo=zone)
            session = session_create(
                actor=clinic.admin,
                kind="group",
                title=f"Group {g} therapy",
                facilitator=facilitator,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=90),
                group=group,
            )
            (clinic.past if day < today else clinic.future).append(session)


def seed_attendance(clinic: Clinic) -> None:
    """Join and leave events for the past sessions (most on time, some late, early or absent),
    then each session finalised by the service, which derives the attendance from them."""
    from sessions_app.models import AttendanceEvent, AttendanceEventSource, EventKind
    from sessions_app.services import session_finalise

    rng = random.Random(1)  # noqa: S311 - bench data, repeatable
    events = []
    for session in clinic.past:
        for client in clinic.members[session.group_id]:
            roll = rng.random()
            if roll < 0.07:
                continue  # a no-show
            joined = session.starts_at + timedelta(minutes=rng.randint(-3, 4))
            if roll < 0.15:
                joined = session.starts_at + timedelta(minutes=rng.randint(12, 30))
            left = session.ends_at - timedelta(minutes=rng.randint(0, 2))
            if 0.15 <= roll < 0.2:
                left = session.starts_at + timedelta(minutes=rng.randint(35, 60))
            for kind, at in ((EventKind.JOIN, joined), (EventKind.LEAVE, left)):
                events.append(
                    AttendanceEvent(
                        session=session,
                        client=client,
                        kind=kind,
                        source=AttendanceEventSource.WEBHOOK,
                        at=at,
                    )
                )
    AttendanceEvent.objects.bulk_create(events, batch_size=2000)
    for session in clinic.past:
        session_finalise(session=session)


def _answers(rng: random.Random, code: str, *, calm: bool) -> dict[str, int]:
    from crisis import instruments

    definition = instruments.current(code)
    answers: dict[str, int] = {}
    for item in definition.items:
        if not definition.is_shown(item, answers):
            continue
        values = sorted(item.values)
        # Mostly the lower answers; never the highest on a calm day.
        weights = [2.0**-n for n in range(len(values))]
        if calm:
            values, weights = values[: max(1, len(values) - 1)], weights[: max(1, len(values) - 1)]
        answers[item.key] = rng.choices(values, weights)[0]
    return answers


def seed_check_ins(clinic: Clinic) -> None:
    """Schedules for everyone; 5,000 check-ins over the last 150 days, mostly daily moods and
    weekly PHQ-9s. The newest of each client's goes through the service (three of them high risk,
    which opens a crisis); the history is inserted in bulk, as the demo seeder does."""
    from django.utils import timezone

    from crisis import instruments
    from crisis.models import CheckIn, CheckInChannel
    from crisis.services import check_in_schedule_set, check_in_submit

    rng = random.Random(2)  # noqa: S311 - bench data, repeatable
    now = timezone.now()
    for client in clinic.clients:
        clinician = clinic.primary[client.pk]
        check_in_schedule_set(actor=clinician, client=client, instrument="phq9", interval_days=7)
        check_in_schedule_set(actor=clinician, client=client, instrument="mood", interval_days=1)
    mix = [("mood", 0.6), ("phq9", 0.2), ("gad7", 0.15), ("cssrs", 0.05)]
    history = CHECK_INS - len(clinic.clients)
    rows = []
    for n in range(history):
        client = clinic.clients[n % len(clinic.clients)]
        code = rng.choices([c for c, _ in mix], [w for _, w in mix])[0]
        definition = instruments.current(code)
        while True:
            clean, result = definition.evaluate(_answers(rng, code, calm=True))
            if result.risk != "high":  # a high-risk check-in always opened a crisis
                break
        rows.append(
            CheckIn(
                client=client,
                instrument=code,
                instrument_version=definition.version,
                answers_json=json.dumps(clean, sort_keys=True),
                score=result.score,
                band=result.band,
                risk=result.risk,
                risk_rank=instruments.RISK_RANK[result.risk],
                channel=rng.choice([CheckInChannel.PORTAL, CheckInChannel.SMS])
                if code == "mood"
                else CheckInChannel.PORTAL,
                submitted_by=client.user,
                submitted_at=now - timedelta(seconds=rng.uniform(3600, HISTORY_DAYS * 86400)),
            )
        )
    CheckIn.objects.bulk_create(rows, batch_size=1000)
    for n, client in enumerate(clinic.clients):
        answers = _answers(rng, "phq9", calm=True) | ({"q9": 1} if n in (7, 21, 38) else {})
        check_in_submit(actor=client.user, client=client, instrument="phq9", answers=answers)


def seed_plans_and_crises(clinic: Clinic) -> None:
    """Safety plans for most clients (a fifth revised once), and crisis events from the help
    button: most acknowledged, half resolved with a note; the check-in crises acknowledged."""
    from crisis.models import CrisisEvent
    from crisis.services import (
        crisis_acknowledge,
        crisis_note_add,
        crisis_open,
        crisis_resolve,
        safety_plan_save,
    )

    for n, client in enumerate(clinic.clients):
        if n % 10 == 9:
            continue
        plan = safety_plan_save(
            actor=clinic.primary[client.pk],
            client=client,
            sections=PLAN,
            based_on_version=None,
            change_note="First plan, written in session",
        )
        if n % 5 == 0:
            safety_plan_save(
                actor=client.user,
                client=client,
                sections=PLAN | {"distractions": PLAN["distractions"] + "\nThe climbing gym"},
                based_on_version=plan.version,
                change_note="Added a place",
            )
    for n, client in enumerate(clinic.clients[:16]):
        if CrisisEvent.objects.filter(client=client, state="open").exists():
            continue
        event, _ = crisis_open(
            actor=client.user, client=client, source="help_button", summary="Pressed help"
        )
        if n % 4 == 3:
            continue  # still open
        clinician = clinic.primary[client.pk]
        event = crisis_acknowledge(actor=clinician, event=event)
        crisis_note_add(actor=clinician, event=event, text="Called the client; talked it through.")
        if n % 2 == 0:
            crisis_resolve(
                actor=clinician,
                event=event,
                disposition="de_escalated",
                note="Used the safety plan; calmer now.",
            )
    for event in CrisisEvent.objects.filter(state="open", source="check_in"):
        crisis_acknowledge(actor=clinic.primary[event.client_id], event=event)


def seed_tech_and_makeups(clinic: Clinic) -> None:
    """A tech check or two per client, and make-ups offered for a few missed sessions."""
    from sessions_app.models import Attendance, AttendanceStatus
    from sessions_app.services import makeup_request, tech_check_record

    for n, client in enumerate(clinic.clients):
        for camera in ("granted", "denied" if n % 7 == 0 else "granted"):
            tech_check_record(
                actor=client.user,
                client=client,
                camera=camera,
                microphone="granted",
                webrtc=True,
                download_mbps=12.5 + n,
            )
    missed = (
        Attendance.objects.filter(derived_status=AttendanceStatus.NO_SHOW)
        .select_related("session", "client__user")
        .order_by("-session__starts_at")[:8]
    )
    for attendance in missed:
        target = next(s for s in clinic.future if s.group_id != attendance.session.group_id)
        makeup_request(
            actor=attendance.session.facilitator,
            client=attendance.client,
            missed_session=attendance.session,
            target_session=target,
        )


def api_tokens(clinic: Clinic, count: int) -> list[str]:
    """`count` API keys of the program, each holding every scope."""
    from django.utils import timezone

    from iop.api.models import Scope
    from iop.api.services import api_key_create

    return [
        api_key_create(
            actor=clinic.admin,
            name=f"Bench integrator {n}",
            program=clinic.program,
            scopes=Scope.values,
            expires_at=timezone.now() + timedelta(days=1),
        )[1]
        for n in range(count)
    ]


def seed() -> Clinic:
    from django.db import connection

    started = time.perf_counter()
    clinic = seed_people()
    print(f"  seeded people and consents in {time.perf_counter() - started:.1f} s")
    steps: list[tuple[str, Callable[[Clinic], None]]] = [
        ("escalation policy, rota, resources", seed_crisis_setup),
        ("groups and sessions", seed_schedule),
        ("attendance", seed_attendance),
        ("check-ins", seed_check_ins),
        ("safety plans and crises", seed_plans_and_crises),
        ("tech checks and make-ups", seed_tech_and_makeups),
    ]
    for label, step in steps:
        started = time.perf_counter()
        step(clinic)
        print(f"  seeded {label} in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return clinic


def load_clinic() -> Clinic:
    """The seeded clinic of a kept database (--reuse)."""
    from iop.accounts.models import Program, User

    program = Program.objects.get(name="Bench IOP")
    return Clinic(program=program, admin=User.objects.get(email="admin@bench.harbor"))


# -- processes ----------------------------------------------------------------------------------


class Web:
    """The web server as production runs it: `python -m iop.serve` (WEB_CONCURRENCY daphne
    processes on one socket), on a free local port."""

    def __init__(self, processes: int, env: dict[str, str]):
        from tests.servers import free_port

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = Path(tempfile.mkdtemp(prefix="harbor-web-")) / "web.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "iop.serve", "-b", "127.0.0.1", "-p", str(self.port)],
                cwd=ROOT,
                env={**os.environ, **env, "WEB_CONCURRENCY": str(processes)},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def wait_healthy(self, timeout: float = 120) -> None:
        """Until /healthz answers 200: the database, Redis and a worker's heartbeat are fine."""
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise SystemExit(f"the web server exited:\n{self.log_tail()}")
            try:
                request = urllib.request.Request(f"{self.url}/healthz", headers=HEADERS)
                with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(
                    f"/healthz did not answer 200 in {timeout:g} s:\n{self.log_tail()}"
                )
            time.sleep(0.25)

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(40)
        except subprocess.TimeoutExpired:
            self.process.kill()


# What Caddy adds in front of Harbor (docker-compose.yml): the public host, https, the client.
HEADERS = {"Host": PUBLIC_HOST, "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}


# -- the endpoints --------------------------------------------------------------------------------


@dataclass
class Target:
    label: str
    path: str
    keyed: bool = True
    rows: int | None = None
    count: int | None = None
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)


def _get_json(url: str, token: str | None = None) -> dict:
    headers = dict(HEADERS) | ({"Authorization": f"Bearer {token}"} if token else {})
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as r:  # noqa: S310
        return json.load(r)


def list_endpoints(base_url: str, token: str) -> tuple[list[Target], list[str]]:
    """Every paginated GET of the published schema an API key may call, with path parameters
    filled from the first row of the parent list; and the operations left out, with why."""
    schema = _get_json(f"{base_url}/api/schema/?format=json")
    components = schema["components"]["schemas"]

    def resolve(node: dict) -> dict:
        while "$ref" in node:
            node = components[node["$ref"].rsplit("/", 1)[1]]
        return node

    paths = {}
    skipped = []
    for path, operations in schema["paths"].items():
        operation = operations.get("get")
        if operation is None:
            continue
        content = operation.get("responses", {}).get("200", {}).get("content", {})
        body = content.get("application/json", {}).get("schema")
        if body is None or "results" not in resolve(body).get("properties", {}):
            continue
        if not any("apiKey" in requirement for requirement in operation.get("security", [])):
            skipped.append(f"{path} (not open to API keys)")
            continue
        paths[path] = operation
    targets = []
    for path in sorted(paths):
        concrete = path
        while "{" in concrete:
            start = concrete.index("{")
            name = concrete[start + 1 : concrete.index("}", start)]
            parent = concrete[:start]
            results = _get_json(f"{base_url}{parent}", token).get("results") or []
            if not results:
                skipped.append(f"{path} (its parent {parent} is empty)")
                break
            value = results[0].get(name, results[0].get("id"))
            concrete = concrete.replace("{" + name + "}", str(value), 1)
        else:
            targets.append(Target(label=path, path=concrete))
    return targets, skipped


# -- the load -------------------------------------------------------------------------------------


async def _load(
    base_url: str,
    targets: list[Target],
    tokens: list[str],
    *,
    rate: float,
    seconds: float,
    record: bool,
    trace: list[tuple[float, str, float, str]] | None = None,
) -> float:
    """Send `rate` requests a second for `seconds`, round-robin over `targets`; returns the
    largest lag of the scheduler itself behind its own timetable (a sign the client was short of
    CPU)."""
    import aiohttp

    loop = asyncio.get_running_loop()
    timeout = aiohttp.ClientTimeout(total=10)
    headers = [dict(HEADERS) | {"Authorization": f"Bearer {t}"} for t in tokens]
    total = int(rate * seconds)
    pending = set()
    worst_lag = 0.0
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0, force_close=False), timeout=timeout
    ) as session:

        async def fire(index: int, due: float) -> None:
            target = targets[index % len(targets)]
            sent_headers = headers[index % len(headers)] if target.keyed else HEADERS
            status: int | str
            try:
                async with session.get(base_url + target.path, headers=sent_headers) as response:
                    body = await response.read()
                    status = response.status
            except (TimeoutError, aiohttp.ClientError) as exc:
                status, body = type(exc).__name__, b""
            elapsed = loop.time() - due
            if not record:
                return
            if trace is not None:
                trace.append((time.time() - elapsed, target.label, elapsed, str(status)))
            if status == 200:
                target.latencies.append(elapsed)
                if target.rows is None and target.keyed:
                    page = json.loads(body)
                    target.rows, target.count = len(page["results"]), page.get("count")
            else:
                target.errors[str(status)] = target.errors.get(str(status), 0) + 1

        start = loop.time() + 0.1
        for index in range(total):
            due = start + index / rate
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                worst_lag = max(worst_lag, -delay)
            task = asyncio.create_task(fire(index, due))
            pending.add(task)
            task.add_done_callback(pending.discard)
        if pending:
            await asyncio.wait(pending)
    return worst_lag


def run_load(base_url, targets, tokens, *, rate, seconds, record, trace=None) -> float:
    return asyncio.run(
        _load(base_url, targets, tokens, rate=rate, seconds=seconds, record=record, trace=trace)
    )


# -- the report -----------------------------------------------------------------------------------


def report(targets: list[Target], healthz: Target) -> int:
    """Prints each endpoint's figures; returns how many (with /healthz) fail the targets."""
    base_p99 = percentile([s * 1000 for s in healthz.latencies], 99) if healthz.latencies else 0
    print(
        f"{'endpoint':<40} {'n':>5} {'rows':>10} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'p99/hz':>7} {'errors':>7}  result"
    )
    failing = 0
    for target in [healthz, *targets]:
        ms = [s * 1000 for s in target.latencies]
        errors = sum(target.errors.values())
        if not ms:
            print(
                f"{target.label:<40} {errors:>5} {'':>10} {'':>8} {'':>8} {'':>7} {errors:>7}  FAIL"
                f"  {target.errors}"
            )
            failing += 1
            continue
        p50, p99 = percentile(ms, 50), percentile(ms, 99)
        ratio = p99 / base_p99 if base_p99 else math.inf
        ok = p99 < P99_LIMIT_MS and errors == 0
        if target is not healthz:
            ok = ok and ratio < HEALTHZ_FACTOR
        failing += not ok
        rows = "" if target.rows is None else f"{target.rows}/{target.count}"
        print(
            f"{target.label:<40} {len(ms) + errors:>5} {rows:>10} {p50:8.1f} {p99:8.1f} "
            f"{ratio:7.2f} {errors:>7}  {'PASS' if ok else 'FAIL'}"
            + (f"  {target.errors}" if errors else "")
        )
    return failing


def load_average() -> str:
    return "load average " + ", ".join(f"{v:.2f}" for v in os.getloadavg())


def cpu_times() -> list[int] | None:
    """The machine's CPU time by kind since boot (/proc/stat's first line), or None off Linux."""
    try:
        with open("/proc/stat") as stat:
            return [int(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None


def cpu_spent(before: list[int] | None, after: list[int] | None) -> str:
    """Busy, idle (with I/O wait) and stolen shares of the CPUs' time between two readings."""
    if before is None or after is None:
        return "CPU use unknown"
    spent = [b - a for a, b in zip(before, after, strict=False)]
    # user nice system idle iowait irq softirq steal (guest time is counted in user already)
    idle, steal, total = spent[3] + spent[4], spent[7], sum(spent[:8]) or 1
    busy = total - idle - steal
    return (
        f"CPUs {100 * busy / total:.0f}% busy, {100 * idle / total:.0f}% idle, "
        f"{100 * steal / total:.0f}% stolen by the host"
    )


def overall(targets: list[Target]) -> str:
    ms = [s * 1000 for t in targets for s in t.latencies]
    if not ms:
        return "no answers"
    return (
        f"overall p50 {percentile(ms, 50):.1f} ms, p99 {percentile(ms, 99):.1f} ms, "
        f"max {max(ms):.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=150.0, help="requests a second, in total")
    parser.add_argument("--seconds", type=float, default=60.0, help="measured seconds")
    parser.add_argument("--runs", type=int, default=3, help="measured windows, back to back")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds sent, not counted")
    parser.add_argument(
        "--web",
        type=int,
        default=len(os.sched_getaffinity(0)),
        help="daphne processes on one socket (WEB_CONCURRENCY; default one per CPU)",
    )
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes (Procfile: 2)")
    parser.add_argument(
        "--endpoints", default="", help="comma-separated parts of the paths to bench (default all)"
    )
    parser.add_argument(
        "--trace", default="", help="write each measured request (s, endpoint, ms, status) here"
    )
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument(
        "--reuse", action="store_true", help="use a database kept by --keep instead of seeding"
    )
    args = parser.parse_args()

    bench_url, maintenance_url = database_urls()
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    fake = TwilioFake().start()
    env = production_env(bench_url, redis_url, fake.url)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iop.settings")
    reuse = args.reuse and database_exists(maintenance_url)
    if not reuse:
        recreate_database(maintenance_url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from iop.api.throttling import DEFAULT_RATE
    from iop.realtime.tasks import heartbeat_task
    from tests.notify.conftest import purge_queues
    from tests.notify.worker_process import worker_process

    purge_queues()
    if reuse:
        print(f"reusing {BENCH_DB}")
        clinic = load_clinic()
    else:
        call_command("migrate", verbosity=0)
        print(f"seeding {BENCH_DB}")
        clinic = seed()
    # Each key stays within half its throttle budget (DEFAULT_RATE a minute), so none is refused.
    budget = int(DEFAULT_RATE.split("/")[0]) / 60
    tokens = api_tokens(clinic, max(1, math.ceil(args.rate / (budget / 2))))
    connections.close_all()

    web = beat = None
    try:
        with worker_process(
            database_url=bench_url,
            redis_url=redis_url,
            env=env,
            pool="prefork",
            concurrency=args.concurrency,
        ):
            beat = Beat(env)
            web = Web(args.web, env)
            # Beat's first heartbeat comes 15 s after it starts: ask the worker for one now.
            heartbeat_task.delay()
            web.wait_healthy()
            targets, skipped = list_endpoints(web.url, tokens[0])
            wanted = [w.strip() for w in args.endpoints.split(",") if w.strip()]
            if wanted:
                targets = [t for t in targets if any(w in t.path for w in wanted)]
            healthz = Target(label="/healthz (baseline)", path="/healthz", keyed=False)
            mix = [healthz, *targets]
            print(
                f"PostgreSQL {bench_url.rsplit('@', 1)[-1]}, Redis {redis_url.rsplit('@', 1)[-1]}; "
                f"DEBUG off; iop.serve: daphne x{args.web} on one socket; celery worker -P prefork "
                f"-c {args.concurrency}; celery beat; {os.cpu_count()} CPUs"
            )
            print(
                f"{len(targets)} list endpoints from /api/schema/ and /healthz, round-robin, "
                f"{args.rate:g} requests/s open-loop ({args.rate / len(mix):.1f}/s each), "
                f"{len(tokens)} API keys with every scope"
            )
            for line in skipped:
                print(f"  left out: {line}")
            print(f"before: {load_average()}")
            run_load(web.url, mix, tokens, rate=args.rate, seconds=args.warmup, record=False)
            trace: list[tuple[float, str, float, str]] = []
            verdicts = []
            for run in range(1, args.runs + 1):
                for target in mix:
                    target.latencies, target.errors = [], {}
                cpu_before = cpu_times()
                lag = run_load(
                    web.url,
                    mix,
                    tokens,
                    rate=args.rate,
                    seconds=args.seconds,
                    record=True,
                    trace=trace,
                )
                spent = cpu_spent(cpu_before, cpu_times())
                print(f"\nrun {run} of {args.runs}: {spent}")
                print(f"after:  {load_average()}; scheduler's worst lag {lag * 1000:.1f} ms\n")
                failing = report(targets, healthz)
                sent = sum(len(t.latencies) + sum(t.errors.values()) for t in mix)
                answered = sum(len(t.latencies) for t in mix)
                verdict = f"{failing} of {len(mix)} FAIL" if failing else "all PASS"
                verdicts.append(not failing)
                print(
                    f"\nrun {run}: {sent} requests in {args.seconds:g} s, {answered} answered 200 "
                    f"({answered / args.seconds:.1f}/s); {overall(mix)}; targets: p99 under "
                    f"{P99_LIMIT_MS:g} ms and under {HEALTHZ_FACTOR:g}x the /healthz p99, "
                    f"no errors: {verdict}"
                )
            if args.trace:
                Path(args.trace).write_text(
                    "".join(
                        f"{at:.3f}\t{label}\t{ms * 1000:.1f}\t{status}\n"
                        for at, label, ms, status in trace
                    )
                )
            print(
                f"\n{sum(verdicts)} of {len(verdicts)} runs passed: "
                + ("PASS" if all(verdicts) else "FAIL")
            )
    finally:
        if web is not None:
            web.stop()
        if beat is not None:
            beat.stop()
        fake.stop()
        purge_queues()
        connections.close_all()
        if not args.keep:
            recreate_database(maintenance_url, drop_only=True)


if __name__ == "__main__":
    main()
