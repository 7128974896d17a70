"""Benchmarks of consent-gated recording (issue 13), one part at a time:

    .venv/bin/python bench/recording.py --part crypto [--size-mib 1024] [--ranges 200]
                                        [--repeat 3] [--default-malloc]
    .venv/bin/python bench/recording.py --part purge [--recordings 10000] [--batch 100] [--keep]
    .venv/bin/python bench/recording.py --part join [--joins 200] [--keep]

Part `crypto` (encryption at rest, functions `crypto_*` below; no database): a recording of
--size-mib MiB is streamed through recordings.vault.media_write into the "recordings" storage
on the local filesystem (a scratch folder under var/, deleted at the end) and read back whole
with media_read, never all in memory: the source cycles through 16 random blocks of one chunk.
In the same run, Tink's AEAD encrypts and decrypts the same bytes in the same chunk size with
nothing around it: the raw AES-GCM throughput of the same library on the same machine. Each is
run --repeat times, interleaved (so the machine's other work weighs on all alike), and the
median counts. "Sealing only" is media_write's own work without the storage (chunking,
associated data, Tink). The stored recording then answers --ranges random 1 MiB Range reads,
each with its own key unwrap as a playback request has, every one checked against the
plaintext. For the record of the design choice, Tink's streaming AEAD (AES256_GCM_HKDF_1MB),
one stream per chunk, is timed on the same chunks too. Targets: media_write and media_read at
least 50% of the raw throughput; a 1 MiB Range read's p99 under 100 ms.

Parts `purge` and `join` run against PostgreSQL: a database `harbor_bench_recording` made
beside DATABASE_URL (dropped at the end unless --keep), migrated, with Redis from REDIS_URL
(the local recorder's and the cache's), DEBUG settings, and the "recordings" storage on the
filesystem in a scratch folder under var/.

Part `purge` (functions `purge_*`): --recordings expired recordings (QA, stopped 91 days ago,
purge due), each with its own real data key and one stored segment whose object is real: 1 KiB
of media sealed by media_write into the storage (so the purge deletes real files). Seeded with
bulk_create; the media writes are the slow part of seeding, not of the purge. Then
recordings_purge_tick(batch=--batch) runs until nothing is due, timed, every SQL query counted
(connection.execute_wrapper). Checked after: every key destroyed, every object gone, one audit
row per recording. Printed: total time, recordings/s, queries per recording.

Part `join` (functions `join_*`): the LiveKit fake (tests/livekit_fake.py, its Twirp Egress API
on a local port) and moto's S3 for its staging uploads, as the tests use them. A group session
under way in a LiveKit room is recorded for QA (a consenting client present); then --joins
times a client who has not agreed to QA joins (a participant_joined RoomEvent handed to
recordings.services.room_events_record, as the webhook view does) and leaves again (the
recording resumes as a new segment). Measured: from just before room_events_record is called to
the moment the fake received the StopEgress request (its `calls` are time-stamped on arrival);
p50/p99/max. Target: p99 under 500 ms.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MIB = 1024 * 1024
# glibc returns a freed multi-MiB buffer to the kernel (and faults the next one in afresh, page
# by page) depending on what else was freed around it: the same Tink call then runs at 500 or
# at 4,000 MiB/s from one run to the next. Keeping freed memory for reuse measures the work
# itself, the raw loop and Harbor's alike (--default-malloc to see the other case).
MALLOC = {
    "MALLOC_MMAP_THRESHOLD_": str(64 * 1024 * 1024),
    "MALLOC_TRIM_THRESHOLD_": str(256 * 1024 * 1024),
}
CRYPTO_BLOCKS = 16
CRYPTO_RANGE_BYTES = MIB
CRYPTO_MIN_RATIO = 0.5
CRYPTO_RANGE_P99_MS = 100.0


def _setup_django(storage_dir: Path) -> None:
    os.environ["RECORDING_STORAGE"] = "filesystem"
    os.environ["RECORDING_STORAGE_DIR"] = str(storage_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iop.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def _percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def _load_average() -> str:
    return "load average " + ", ".join(f"{v:.2f}" for v in os.getloadavg())


# -- part crypto ----------------------------------------------------------------------------------


class _NoClose(io.BytesIO):
    """A BytesIO that a Tink encrypting stream may close and still be read."""

    def close(self) -> None:
        pass


def crypto_source(blocks: list[bytes], count: int) -> Iterator[bytes]:
    """`count` chunks of plaintext, cycling through the blocks (nothing held but the blocks)."""
    for index in range(count):
        yield blocks[index % len(blocks)]


def crypto_rate(size: int, run: Callable[[], None]) -> float:
    """MiB/s of `run`, which handles `size` bytes."""
    started = time.perf_counter()
    run()
    return size / MIB / (time.perf_counter() - started)


def crypto_raw(blocks: list[bytes], count: int) -> tuple[Callable[[], None], Callable[[], None]]:
    """Tink's AEAD alone on the same chunks: (encrypt, decrypt) runs."""
    import tink  # type: ignore[import-untyped]
    from tink import aead

    from recordings.crypto import DATA_KEY_TEMPLATE

    cipher = tink.new_keyset_handle(DATA_KEY_TEMPLATE).primitive(aead.Aead)
    sealed = [cipher.encrypt(block, b"raw") for block in blocks]

    def encrypt() -> None:
        for index in range(count):
            cipher.encrypt(blocks[index % len(blocks)], b"raw")

    def decrypt() -> None:
        for index in range(count):
            cipher.decrypt(sealed[index % len(sealed)], b"raw")

    return encrypt, decrypt


def crypto_streaming(blocks: list[bytes], count: int) -> tuple[float, float]:
    """Tink's streaming AEAD sealing each chunk as its own stream: (encrypt, decrypt) MiB/s."""
    import tink
    from tink import streaming_aead

    streaming_aead.register()
    template = streaming_aead.streaming_aead_key_templates.AES256_GCM_HKDF_1MB
    cipher = tink.new_keyset_handle(template).primitive(streaming_aead.StreamingAead)

    def seal(block: bytes) -> bytes:
        out = _NoClose()
        with cipher.new_encrypting_stream(out, b"raw") as stream:
            stream.write(block)
        return out.getvalue()

    sealed = [seal(block) for block in blocks]
    size = count * len(blocks[0])

    def encrypt() -> None:
        for index in range(count):
            seal(blocks[index % len(blocks)])

    def decrypt() -> None:
        for index in range(count):
            with cipher.new_decrypting_stream(io.BytesIO(sealed[index % len(sealed)]), b"raw") as s:
                s.read()

    return crypto_rate(size, encrypt), crypto_rate(size, decrypt)


def crypto_expected(blocks: list[bytes], start: int, end: int) -> bytes:
    """The plaintext [start, end) of the cycled blocks."""
    chunk = len(blocks[0])
    parts = []
    at = start
    while at < end:
        index, offset = divmod(at, chunk)
        piece = blocks[index % len(blocks)][offset : offset + end - at]
        parts.append(piece)
        at += len(piece)
    return b"".join(parts)


def crypto_main(args: argparse.Namespace) -> None:
    var = ROOT / "var"
    var.mkdir(exist_ok=True)
    storage_dir = Path(tempfile.mkdtemp(prefix="bench-recording-", dir=var))
    try:
        _setup_django(storage_dir)
        from django.conf import settings

        from recordings.crypto import ChunkCipher, data_key_new
        from recordings.vault import StoredMedia, media_delete, media_read, media_write

        chunk = settings.RECORDING_CHUNK_BYTES
        count = max(1, args.size_mib * MIB // chunk)
        size = count * chunk
        blocks = [os.urandom(chunk) for _ in range(CRYPTO_BLOCKS)]
        print(
            f"recording of {size // MIB} MiB in {count} chunks of {chunk // MIB} MiB; Tink AEAD "
            f"AES256_GCM_RAW per chunk (raw: the same template); FileSystemStorage in {storage_dir.relative_to(ROOT)}; "
            f"{os.cpu_count()} CPUs (shared: figures vary with the machine's other work)"
        )
        malloc = ", ".join(f"{k}={os.environ[k]}" for k in MALLOC if k in os.environ) or "defaults"
        print(f"glibc malloc: {malloc}; median of {args.repeat} interleaved runs of each")
        print(f"before: {_load_average()}")
        key = data_key_new()
        aad = b"harbor-recording:bench:0"

        raw_encrypt_run, raw_decrypt_run = crypto_raw(blocks, count)
        stored: list[StoredMedia] = []  # the last run's recording (each run replaces it)
        cipher = ChunkCipher(key, aad)

        def write() -> None:
            if stored:
                media_delete(object_key=stored.pop().object_key)
            stored.append(media_write(key=key, aad=aad, chunks=crypto_source(blocks, count)))

        def read() -> None:
            for _ in media_read(key=key, aad=aad, media=stored[-1]):
                pass

        def seal() -> None:
            for index in range(count):
                cipher.seal(index, index == count - 1, blocks[index % len(blocks)])

        runs = {
            "raw_e": raw_encrypt_run,
            "ours_e": write,
            "seal": seal,
            "raw_d": raw_decrypt_run,
            "ours_d": read,
        }
        # Interleaved, so that the machine's other work weighs on raw and ours alike; the
        # median of the repetitions (the first also warms the allocator and the page cache).
        rates: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(args.repeat):
            for name, run in runs.items():
                rates[name].append(crypto_rate(size, run))
        raw_encrypt, encrypt, sealing, raw_decrypt, decrypt = (
            statistics.median(rates[name]) for name in runs
        )
        media = stored[-1]
        for index, plaintext in enumerate(media_read(key=key, aad=aad, media=media)):
            assert plaintext == blocks[index % len(blocks)], index  # every chunk, once
        streaming_encrypt, streaming_decrypt = crypto_streaming(blocks, count)

        rng = random.Random(13)
        latencies: list[float] = []
        for _ in range(args.ranges):
            start = rng.randrange(0, max(1, size - CRYPTO_RANGE_BYTES))
            end = min(size, start + CRYPTO_RANGE_BYTES)
            began = time.perf_counter()
            got = b"".join(media_read(key=key, aad=aad, media=media, start=start, end=end))
            latencies.append((time.perf_counter() - began) * 1000)
            assert got == crypto_expected(blocks, start, end), (start, end)
        print(f"after:  {_load_average()}\n")

        def line(label: str, name: str, ours: float, raw: float) -> bool:
            ratio = ours / raw
            ok = ratio >= CRYPTO_MIN_RATIO
            print(
                f"{label:<8} raw Tink AEAD {raw:8.1f} MiB/s   {name:<12}{ours:8.1f} MiB/s   "
                f"ratio {ratio:5.2f} (target >= {CRYPTO_MIN_RATIO:.2f})  "
                + ("PASS" if ok else "FAIL")
            )
            return ok

        ok = line("encrypt", "media_write", encrypt, raw_encrypt)
        ok = line("decrypt", "media_read", decrypt, raw_decrypt) and ok
        for name, label in [
            ("raw_e", "raw encrypt"),
            ("ours_e", "media_write"),
            ("seal", "sealing only"),
            ("raw_d", "raw decrypt"),
            ("ours_d", "media_read"),
        ]:
            print(f"  {label:<13} runs: " + ", ".join(f"{r:.0f}" for r in rates[name]) + " MiB/s")
        print(
            f"sealing alone (chunks, associated data, no storage): {sealing:.1f} MiB/s, "
            f"{sealing / raw_encrypt:.2f} of raw: the rest of media_write is the filesystem"
        )
        print(
            f"(not used) Tink streaming AEAD AES256_GCM_HKDF_1MB per chunk: encrypt "
            f"{streaming_encrypt:.1f} MiB/s ({streaming_encrypt / raw_encrypt:.2f} of raw), "
            f"decrypt {streaming_decrypt:.1f} MiB/s ({streaming_decrypt / raw_decrypt:.2f})"
        )
        p99 = _percentile(latencies, 99)
        range_ok = p99 < CRYPTO_RANGE_P99_MS
        print(
            f"Range read of 1 MiB at random offsets x{len(latencies)}: median "
            f"{_percentile(latencies, 50):.2f} ms, p99 {p99:.2f} ms, max {max(latencies):.2f} ms "
            f"(target p99 < {CRYPTO_RANGE_P99_MS:g} ms)  " + ("PASS" if range_ok else "FAIL")
        )
        print("all PASS" if ok and range_ok else "some FAIL")
        media_delete(object_key=media.object_key)
    finally:
        shutil.rmtree(storage_dir, ignore_errors=True)


BENCH_DB = "harbor_bench_recording"
PURGE_MEDIA_BYTES = 1024
JOIN_P99_MS = 500.0


def _database_urls() -> tuple[str, str]:
    from urllib.parse import urlsplit, urlunsplit

    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/harbor")
    parts = urlsplit(base)
    return (
        urlunsplit(parts._replace(path=f"/{BENCH_DB}")),
        urlunsplit(parts._replace(path="/postgres")),
    )


def _recreate_database(maintenance_url: str, *, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')


class _Database:
    """A fresh bench database, migrated; dropped on exit unless kept. Django is set up inside."""

    def __init__(self, storage_dir: Path, *, keep: bool, env: dict[str, str] | None = None):
        self.storage_dir = storage_dir
        self.keep = keep
        self.env = env or {}
        self.bench_url, self.maintenance_url = _database_urls()

    def __enter__(self) -> _Database:
        _recreate_database(self.maintenance_url)
        os.environ["DATABASE_URL"] = self.bench_url
        os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
        os.environ.update(self.env)
        _setup_django(self.storage_dir)
        from django.core.management import call_command

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"database {BENCH_DB} migrated in {time.perf_counter() - started:.1f} s")
        # Segments' "store now" kicks have no worker here: keep them in memory, not Redis.
        from iop.celery import app

        app.conf.broker_url = "memory://"
        return self

    def __exit__(self, *exc: object) -> None:
        from django.db import connections

        connections.close_all()
        if self.keep:
            print(f"kept the database {BENCH_DB}")
        else:
            _recreate_database(self.maintenance_url, drop_only=True)


@dataclass(frozen=True)
class BenchClinic:
    clinician: Any  # the facilitator
    casey: Any  # agreed to QA recording
    jordan: Any  # did not
    session: Any


def _clinic(*, video_provider: str, starts_ago: timedelta) -> BenchClinic:
    """A program, a facilitator, a group of two clients (Casey agreed to QA recording, Jordan
    did not) and a group session."""
    from django.utils import timezone

    from iop.consents.models import ConsentKind, ConsentMethod
    from iop.consents.services import consent_grant
    from sessions_app.models import Enrolment, Group, Session
    from tests.factories import (
        CareTeamFactory,
        ClientProfileFactory,
        ConsentDocumentFactory,
        ProgramFactory,
        StaffFactory,
        UserFactory,
    )

    program: Any = ProgramFactory(name="Bench recording IOP")
    clinician: Any = StaffFactory(
        email="clinician@bench.harbor", password=None, profile__program=program
    )
    casey: Any = ClientProfileFactory(
        user=UserFactory(email="casey@bench.harbor", full_name="Casey Client", password=None),
        program=program,
    )
    jordan: Any = ClientProfileFactory(
        user=UserFactory(email="jordan@bench.harbor", full_name="Jordan Park", password=None),
        program=program,
    )
    group = Group.objects.create(program=program, name="Bench group", capacity=10)
    group.facilitators.add(clinician)
    for client in (casey, jordan):
        CareTeamFactory(client=client, clinician=clinician, is_primary=True)
        Enrolment.objects.create(group=group, client=client, starts_on=date(2020, 1, 1))
    consent_grant(
        actor=clinician,
        client=casey,
        document=ConsentDocumentFactory(kind=ConsentKind.RECORDING_QA),  # type: ignore[arg-type]
        method=ConsentMethod.PAPER,
    )
    starts = timezone.now() - starts_ago
    session = Session.objects.create(
        program=program,
        group=group,
        kind="group",
        title="Bench session",
        facilitator=clinician,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=90),
        local_date=starts.date(),
        video_provider=video_provider,
    )
    return BenchClinic(clinician=clinician, casey=casey, jordan=jordan, session=session)


# -- part purge -----------------------------------------------------------------------------------


def purge_seed(count: int, clinic: BenchClinic) -> None:
    """`count` expired recordings, one stored segment each, its object real (1 KiB sealed)."""
    from django.db import transaction
    from django.utils import timezone

    from recordings.crypto import WrappedKey, data_key_new
    from recordings.models import (
        Recording,
        RecordingPurpose,
        RecordingSegment,
        RecordingState,
        SegmentState,
    )
    from recordings.vault import media_write

    now = timezone.now()
    stopped = now - timedelta(days=91)
    media = os.urandom(PURGE_MEDIA_BYTES)
    step = 1000
    for first in range(0, count, step):
        with transaction.atomic():
            recordings = []
            key_bytes = {}
            for _ in range(min(step, count - first)):
                key = data_key_new()
                recordings.append(
                    Recording(
                        session=clinic.session,
                        purpose=RecordingPurpose.QA,
                        provider="local",
                        state=RecordingState.STOPPED,
                        state_changed_at=stopped,
                        started_by=clinic.clinician,
                        started_at=stopped - timedelta(minutes=50),
                        stopped_at=stopped,
                        kek_id=key.kek_id,
                        wrapped_key=key.wrapped,
                        purge_due_at=stopped + timedelta(days=90),
                    )
                )
                key_bytes[recordings[-1].uuid] = key.wrapped
            Recording.objects.bulk_create(recordings)
            segments = []
            for recording in recordings:
                segment = RecordingSegment(
                    recording=recording,
                    index=0,
                    state=SegmentState.STORED,
                    started_at=recording.started_at,
                    ended_at=stopped,
                    provider_ref=f"local-bench-{recording.uuid.hex}",
                    content_type="audio/wav",
                    stored_at=stopped,
                )
                stored = media_write(
                    key=WrappedKey(kek_id=recording.kek_id, wrapped=key_bytes[recording.uuid]),
                    aad=segment.aad,
                    chunks=[media],
                )
                segment.object_key = stored.object_key
                segment.plaintext_size = stored.plaintext_size
                segment.ciphertext_size = stored.ciphertext_size
                segment.chunk_size = stored.chunk_size
                segments.append(segment)
            RecordingSegment.objects.bulk_create(segments)


def purge_main(args: argparse.Namespace) -> None:
    var = ROOT / "var"
    var.mkdir(exist_ok=True)
    storage_dir = Path(tempfile.mkdtemp(prefix="bench-purge-", dir=var))
    try:
        with _Database(storage_dir, keep=args.keep):
            from django.db import connection

            from iop.audit.models import AccessLog, Action
            from recordings.models import Recording, RecordingSegment, RecordingState
            from recordings.services import recordings_purge_tick

            clinic = _clinic(video_provider="jitsi", starts_ago=timedelta(days=92))
            started = time.perf_counter()
            purge_seed(args.recordings, clinic)
            files = sum(1 for p in storage_dir.rglob("*") if p.is_file())
            print(
                f"seeded {args.recordings} expired recordings, one segment each, {files} real "
                f"objects of {PURGE_MEDIA_BYTES} bytes sealed in {storage_dir.relative_to(ROOT)}, "
                f"in {time.perf_counter() - started:.1f} s"
            )
            print(f"before: {_load_average()}")
            queries = 0

            def count(execute, sql, params, many, context):
                nonlocal queries
                queries += 1
                return execute(sql, params, many, context)

            ticks = 0
            purged = 0
            with connection.execute_wrapper(count):
                started = time.perf_counter()
                while True:
                    done = recordings_purge_tick(batch=args.batch)
                    ticks += 1
                    purged += done
                    if not done:
                        break
                elapsed = time.perf_counter() - started
            print(f"after:  {_load_average()}\n")
            left_files = sum(1 for p in storage_dir.rglob("*") if p.is_file())
            ok = (
                purged == args.recordings
                and not Recording.objects.exclude(state=RecordingState.PURGED).exists()
                and not Recording.objects.filter(wrapped_key__isnull=False).exists()
                and not RecordingSegment.objects.exclude(object_key="").exists()
                and left_files == 0
                and AccessLog.objects.filter(
                    action=Action.DELETE, object_type="recordings.Recording"
                ).count()
                == args.recordings
            )
            print(
                f"purged {purged} recordings in {elapsed:.2f} s over {ticks} ticks of batch "
                f"{args.batch}: {purged / elapsed:.0f} recordings/s, {queries} queries "
                f"({queries / max(1, purged):.3f} per recording); objects left {left_files}"
            )
            print(
                "checked: every key destroyed, every object deleted, one audit row each: "
                + ("PASS" if ok else "FAIL")
            )
    finally:
        shutil.rmtree(storage_dir, ignore_errors=True)


# -- part join ------------------------------------------------------------------------------------


def join_main(args: argparse.Namespace) -> None:
    from tests.livekit_fake import LiveKitFake, StagingS3, livekit_settings

    var = ROOT / "var"
    var.mkdir(exist_ok=True)
    storage_dir = Path(tempfile.mkdtemp(prefix="bench-join-", dir=var))
    try:
        with StagingS3() as s3, LiveKitFake() as fake:
            env = {**livekit_settings(fake), **s3.settings()}
            with _Database(storage_dir, keep=args.keep, env=env):
                join_run(args, fake)
    finally:
        shutil.rmtree(storage_dir, ignore_errors=True)


def join_run(args: argparse.Namespace, fake) -> None:
    import logging

    from django.utils import timezone

    from recordings.models import RecordingPurpose, RecordingState
    from recordings.providers.base import RoomEvent
    from recordings.services import recording_start, room_events_record, room_participant_joined

    for noisy in ("werkzeug", "moto"):  # moto's S3 server logs every upload
        logging.getLogger(noisy).setLevel(logging.ERROR)
    clinic = _clinic(video_provider="livekit", starts_ago=timedelta(minutes=5))
    session = clinic.session
    jordan = clinic.jordan
    room_participant_joined(session=session, user_id=clinic.casey.user_id, at=timezone.now())
    recording = recording_start(
        actor=clinic.clinician, session=session, purpose=RecordingPurpose.QA
    )
    assert recording.provider == "livekit", recording.provider
    print(
        f"LiveKit fake at {fake.url}; recording {recording.uuid} running; "
        f"{args.joins} joins of a client who has not agreed"
    )
    print(f"before: {_load_average()}")
    latencies: list[float] = []
    calls: list[float] = []
    stops = 0
    for index in range(args.joins):
        seen = len(fake.calls)
        began = time.time()
        room_events_record(
            provider="livekit",
            events=[
                RoomEvent(
                    event_id=f"EV_bench_join_{index}",
                    kind="participant_joined",
                    room_name=session.room_name,
                    at=timezone.now(),
                    user_id=jordan.user_id,
                )
            ],
        )
        returned = time.time()
        stop = next((c for c in fake.calls[seen:] if c.method == "StopEgress"), None)
        if stop is None:
            print(f"join {index}: no StopEgress reached the fake")
            continue
        stops += 1
        latencies.append((stop.at - began) * 1000)
        calls.append((returned - began) * 1000)
        recording.refresh_from_db()
        assert recording.state == RecordingState.PAUSED, recording.state
        room_events_record(
            provider="livekit",
            events=[
                RoomEvent(
                    event_id=f"EV_bench_left_{index}",
                    kind="participant_left",
                    room_name=session.room_name,
                    at=timezone.now(),
                    user_id=jordan.user_id,
                )
            ],
        )
        recording.refresh_from_db()
        assert recording.state == RecordingState.RECORDING, recording.state
    print(f"after:  {_load_average()}\n")
    p99 = _percentile(latencies, 99)
    ok = stops == args.joins and p99 < JOIN_P99_MS
    print(
        f"join event -> StopEgress at the provider x{len(latencies)}: median "
        f"{_percentile(latencies, 50):.1f} ms, p99 {p99:.1f} ms, max {max(latencies):.1f} ms "
        f"(target p99 < {JOIN_P99_MS:g} ms)  " + ("PASS" if ok else "FAIL")
    )
    print(
        f"whole room_events_record call (pause committed): median "
        f"{_percentile(calls, 50):.1f} ms, p99 {_percentile(calls, 99):.1f} ms"
    )


PARTS: dict[str, Callable[[argparse.Namespace], None]] = {
    "crypto": crypto_main,
    "purge": purge_main,
    "join": join_main,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--default-malloc",
        action="store_true",
        help=f"leave glibc's malloc as it is (by default the bench sets {', '.join(MALLOC)})",
    )
    parser.add_argument("--part", choices=sorted(PARTS), default="crypto")
    parser.add_argument("--size-mib", type=int, default=1024, help="the recording's size")
    parser.add_argument("--ranges", type=int, default=200, help="random 1 MiB Range reads")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each, interleaved")
    parser.add_argument("--recordings", type=int, default=10_000, help="purge: expired ones")
    parser.add_argument("--batch", type=int, default=100, help="purge: recordings per tick")
    parser.add_argument("--joins", type=int, default=200, help="join: non-consenter joins")
    parser.add_argument("--keep", action="store_true", help="purge/join: keep the database")
    args = parser.parse_args()
    if not args.default_malloc and any(os.environ.get(k) != v for k, v in MALLOC.items()):
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **MALLOC})
    PARTS[args.part](args)


if __name__ == "__main__":
    main()
