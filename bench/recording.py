"""Benchmarks of consent-gated recording (issue 13), one part at a time:

    .venv/bin/python bench/recording.py --part crypto [--size-mib 1024] [--ranges 200]
                                        [--repeat 3] [--default-malloc]

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
from pathlib import Path

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


PARTS: dict[str, Callable[[argparse.Namespace], None]] = {"crypto": crypto_main}


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
    args = parser.parse_args()
    if not args.default_malloc and any(os.environ.get(k) != v for k, v in MALLOC.items()):
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **MALLOC})
    PARTS[args.part](args)


if __name__ == "__main__":
    main()
