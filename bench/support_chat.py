"""Live chat under load: 200 client sockets and 10 agents, message latency p50/p99.

    .venv/bin/python bench/support.py --part chat [--clients 200] [--agents 10]
                                                  [--interval 10] [--seconds 60] [--web N]

Runs the production shape on this machine: PostgreSQL from DATABASE_URL (a throw-away database
harbor_bench_chat beside it), Redis from REDIS_URL (the channel layer, the cache, Celery's
broker), Harbor with DEBUG off served by `python -m iop.serve` (`--web` daphne processes, one
per CPU by default), a `celery -A iop worker` and `celery -A iop beat` as the Procfile runs
them. Nothing leaves the machine.

The clinic: `--clients` clients and `--agents` tier-1 agents (two-step verified), made through
the factories; each person signs in as a browser would (a session cookie), and opens the page's
socket with the cookie and the site's Origin, through aiohttp. Every client starts a chat;
the agents pick the chats up (as many each); then, for `--seconds` after a warm-up, each client
sends a message every `--interval` seconds (phases spread evenly) and the agent in its chat
answers each one as it arrives. Two latencies are recorded, both from the moment the sender's
socket sent the message to the moment the other side's socket received it as a line: client →
agent and agent → client (each message is a ticket reply in one transaction, its SLA clock
moved, its audit row written, then fanned out through the Redis channel layer).

Target (issue 12): message p99 under 100 ms. The load generator runs in this process on the
same machine, so the load average is printed before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import statistics
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.api import (  # noqa: E402
    HEADERS,
    PUBLIC_HOST,
    Web,
    database_urls,
    load_average,
    production_env,
    recreate_database,
)
from bench.crisis import Beat, percentile  # noqa: E402
from tests.twilio_fake import TwilioFake  # noqa: E402

BENCH_DB = "harbor_bench_chat"
P99_LIMIT_MS = 100.0


def seed(clients: int, agents: int) -> tuple[list[str], list[str]]:
    """The people, signed in: session cookies of the clients and of the agents."""
    from django.conf import settings

    from iop.accounts.models import Role
    from tests.conftest import sign_in
    from tests.factories import ClientProfileFactory, ProgramFactory, StaffFactory

    program = ProgramFactory(name="Bench IOP")
    name = settings.SESSION_COOKIE_NAME
    client_cookies = [
        sign_in(ClientProfileFactory(program=program).user).cookies[name].value
        for _ in range(clients)
    ]
    agent_cookies = [
        sign_in(StaffFactory(role=Role.SUPPORT_TIER1, profile__program=program)).cookies[name].value
        for _ in range(agents)
    ]
    return client_cookies, agent_cookies


@dataclass
class Figures:
    to_agent: list[float] = field(default_factory=list)
    to_client: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def ws_headers(cookie: str) -> dict[str, str]:
    from django.conf import settings

    return {
        **HEADERS,
        "Origin": f"https://{PUBLIC_HOST}",
        "Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}",
    }


async def run(
    url: str,
    client_cookies: list[str],
    agent_cookies: list[str],
    *,
    interval: float,
    warmup: float,
    seconds: float,
) -> Figures:
    import aiohttp

    figures = Figures()
    sent_at: dict[str, float] = {}
    recording = False
    ws_url = url.replace("http://", "ws://")
    # No connection limit: aiohttp's default of 100 would hold the 101st socket back for ever.
    session = aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=None), connector=aiohttp.TCPConnector(limit=0)
    )
    desks = [
        await session.ws_connect(f"{ws_url}/ws/support/desk/", headers=ws_headers(c))
        for c in agent_cookies
    ]
    for desk in desks:
        assert (await desk.receive_json())["type"] == "queues"
    progress(f"{len(desks)} agents connected")
    pages = []
    for cookie in client_cookies:
        page = await session.ws_connect(f"{ws_url}/ws/support/chat/", headers=ws_headers(cookie))
        assert (await page.receive_json())["type"] == "state"
        pages.append(page)
    progress(f"{len(pages)} clients connected")

    chat_of_page: dict[int, int] = {}
    started = asyncio.get_running_loop().create_future()
    picked: set[int] = set()
    all_picked = asyncio.get_running_loop().create_future()

    async def page_reader(n: int, page) -> None:
        async for message in page:
            data = message.json()
            if data["type"] == "stored" and n not in chat_of_page:
                chat_of_page[n] = data["chat"]
                if len(chat_of_page) == len(pages) and not started.done():
                    started.set_result(None)
            elif data["type"] == "state" and data["chat"] and data["chat"]["status"] == "active":
                picked.add(n)
                if len(picked) == len(pages) and not all_picked.done():
                    all_picked.set_result(None)
            elif data["type"] == "line" and not data["line"]["from_requester"]:
                sent = sent_at.pop(data["line"]["client_id"], None)
                if sent is not None and recording:
                    figures.to_client.append(time.perf_counter() - sent)
            elif data["type"] == "error":
                figures.errors.append(data["message"])

    async def desk_reader(desk) -> None:
        async for message in desk:
            data = message.json()
            if data["type"] == "line" and data["line"]["from_requester"]:
                line = data["line"]
                sent = sent_at.pop(line["client_id"], None)
                if sent is None:
                    continue
                if recording:
                    figures.to_agent.append(time.perf_counter() - sent)
                answer = uuid.uuid4().hex
                sent_at[answer] = time.perf_counter()
                await desk.send_json(
                    {"type": "say", "chat": data["chat"], "id": answer, "text": "Try this."}
                )
            elif data["type"] == "error":
                figures.errors.append(data["message"])

    readers = [asyncio.ensure_future(page_reader(n, p)) for n, p in enumerate(pages)]
    readers += [asyncio.ensure_future(desk_reader(d)) for d in desks]
    for page in pages:
        await page.send_json({"type": "say", "id": uuid.uuid4().hex, "text": "My video froze."})
    await asyncio.wait_for(started, 120)
    progress(f"{len(chat_of_page)} chats waiting")
    # Each agent picks up as many chats as the others.
    chats = sorted(chat_of_page.values())
    for n, chat_id in enumerate(chats):
        await desks[n % len(desks)].send_json({"type": "pick", "chat": chat_id})
    # Talking starts once every client has seen its agent join and the sockets are quiet.
    await asyncio.wait_for(all_picked, 300)
    await asyncio.sleep(3)
    progress("chats picked up; talking")

    async def talker(n: int, page) -> None:
        await asyncio.sleep(interval * n / len(pages) + random.random() * 0.01)
        while True:
            message_id = uuid.uuid4().hex
            sent_at[message_id] = time.perf_counter()
            await page.send_json({"type": "say", "id": message_id, "text": "Still frozen."})
            await asyncio.sleep(interval)

    talkers = [asyncio.ensure_future(talker(n, p)) for n, p in enumerate(pages)]
    await asyncio.sleep(warmup)
    recording = True
    await asyncio.sleep(seconds)
    recording = False
    progress(f"measured: {len(figures.to_agent)} + {len(figures.to_client)} messages")
    for task in talkers + readers:
        task.cancel()
    # Closed together, with a deadline: one by one, each waits for the server's close frame.
    closing = asyncio.gather(*(s.close() for s in pages + desks), return_exceptions=True)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(closing, 15)
    await session.close()
    return figures


def progress(text: str) -> None:
    print(f"  {time.strftime('%H:%M:%S')} {text}", file=sys.stderr, flush=True)


def report(name: str, latencies: list[float]) -> bool:
    if not latencies:
        print(f"{name:<18} no messages")
        return False
    ms = sorted(x * 1000 for x in latencies)
    p99 = percentile(ms, 99)
    ok = p99 < P99_LIMIT_MS
    print(
        f"{name:<18} n={len(ms):>5}  p50 {statistics.median(ms):6.1f} ms  "
        f"p99 {p99:6.1f} ms  max {ms[-1]:6.1f} ms  {'PASS' if ok else 'FAIL'}"
    )
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--agents", type=int, default=10)
    parser.add_argument(
        "--interval", type=float, default=10.0, help="seconds between a client's messages"
    )
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--web", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args()

    bench_url, maintenance_url = database_urls(BENCH_DB)
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    fake = TwilioFake().start()
    env = production_env(bench_url, redis_url, fake.url)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iop.settings")
    recreate_database(maintenance_url, name=BENCH_DB)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from iop.realtime.tasks import heartbeat_task
    from tests.notify.conftest import purge_queues
    from tests.notify.worker_process import worker_process

    purge_queues()
    call_command("migrate", verbosity=0)
    client_cookies, agent_cookies = seed(args.clients, args.agents)
    connections.close_all()
    web = beat = None
    try:
        with worker_process(
            database_url=bench_url, redis_url=redis_url, env=env, pool="prefork", concurrency=2
        ):
            beat = Beat(env)
            web = Web(args.web, env)
            heartbeat_task.delay()
            web.wait_healthy()
            rate = args.clients / args.interval
            print(
                f"PostgreSQL {bench_url.rsplit('@', 1)[-1]}, Redis {redis_url.rsplit('@', 1)[-1]}; "
                f"DEBUG off; iop.serve: daphne x{args.web}; celery worker -c 2; celery beat; "
                f"{os.cpu_count()} CPUs"
            )
            print(
                f"{args.clients} client sockets, {args.agents} agent sockets; each client writes "
                f"every {args.interval:g} s ({rate:.0f} messages/s) and its agent answers each "
                f"({2 * rate:.0f} messages/s in all); {args.seconds:g} s measured after "
                f"{args.warmup:g} s"
            )
            print(f"before: {load_average()}")
            figures = asyncio.run(
                run(
                    web.url,
                    client_cookies,
                    agent_cookies,
                    interval=args.interval,
                    warmup=args.warmup,
                    seconds=args.seconds,
                )
            )
            print(f"after:  {load_average()}\n")
            ok = report("client → agent", figures.to_agent)
            ok = report("agent → client", figures.to_client) and ok
            ok = report("all messages", figures.to_agent + figures.to_client) and ok
            errors = len(figures.errors)
            print(
                f"\nerrors: {errors}"
                + (f" (first: {figures.errors[0]})" if errors else "")
                + f"; target: p99 under {P99_LIMIT_MS:g} ms: "
                + ("PASS" if ok and not errors else "FAIL")
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
            recreate_database(maintenance_url, drop_only=True, name=BENCH_DB)


if __name__ == "__main__":
    main()
