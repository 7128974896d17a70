"""Recordings' media at rest: sealed in authenticated chunks, read back by byte range.

Chunks are 64 bytes here (RECORDING_CHUNK_BYTES) so that a few hundred bytes span many.
"""

from __future__ import annotations

import os
import random
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage

from recordings.crypto import CHUNK_OVERHEAD, data_key_new
from recordings.vault import (
    MediaTampered,
    StorageFailed,
    StoredMedia,
    media_delete,
    media_read,
    media_write,
)
from tests.recordings.vault_fixtures import recording_storage  # noqa: F401

CHUNK = 64
AAD = b"harbor-recording:0b7c0f6e-segment:0"

pytestmark = pytest.mark.usefixtures("recording_storage")


@pytest.fixture(autouse=True)
def small_chunks(settings):
    settings.RECORDING_CHUNK_BYTES = CHUNK


def pieces(data: bytes, rng: random.Random) -> Iterator[bytes]:
    """`data` in pieces of random sizes (empty ones too), as a provider might stream it."""
    at = 0
    while at < len(data):
        size = rng.choice([0, 1, 7, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK])
        yield data[at : at + size]
        at += size


def read(key, media: StoredMedia, start: int = 0, end: int | None = None, aad: bytes = AAD):
    return b"".join(media_read(key=key, aad=aad, media=media, start=start, end=end))


def stored_file(folder: Path, media: StoredMedia) -> Path:
    return folder / media.object_key


@pytest.mark.parametrize(
    "size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 5 * CHUNK + 17], ids=lambda n: f"{n}B"
)
@pytest.mark.parametrize("cut", ["whole", "bytes", "chunks", "random"])
def test_media_round_trips_whatever_its_size_and_pieces(size, cut, recording_storage):  # noqa: F811
    data = os.urandom(size)
    key = data_key_new()
    source = {
        "whole": [data],
        "bytes": [data[i : i + 1] for i in range(size)],
        "chunks": [data[i : i + CHUNK] for i in range(0, size, CHUNK)],
        "random": list(pieces(data, random.Random(size))),
    }[cut]

    media = media_write(key=key, aad=AAD, chunks=iter(source))

    chunks = max(1, -(-size // CHUNK))
    assert media.plaintext_size == size
    assert media.chunk_size == CHUNK
    assert media.ciphertext_size == size + chunks * CHUNK_OVERHEAD
    assert stored_file(recording_storage, media).stat().st_size == media.ciphertext_size
    assert read(key, media) == data


def test_the_object_is_ciphertext_under_a_random_name(recording_storage):  # noqa: F811
    data = b"Jordan said the week was hard. " * 20
    key = data_key_new()

    first = media_write(key=key, aad=AAD, chunks=[data])
    second = media_write(key=key, aad=AAD, chunks=[data])

    assert first.object_key != second.object_key
    assert len(first.object_key) >= 43 and first.object_key.isascii()
    assert sorted(p.name for p in recording_storage.iterdir()) == sorted(
        [first.object_key, second.object_key]
    )
    stored = stored_file(recording_storage, first).read_bytes()
    assert b"Jordan" not in stored and b"week" not in stored
    assert stored != stored_file(recording_storage, second).read_bytes()  # fresh nonces
    assert stored_file(recording_storage, first).stat().st_mode & 0o077 == 0


def test_a_flipped_byte_anywhere_is_refused(recording_storage):  # noqa: F811
    data = os.urandom(3 * CHUNK + 10)
    key = data_key_new()
    media = media_write(key=key, aad=AAD, chunks=[data])
    path = stored_file(recording_storage, media)
    original = path.read_bytes()

    for position in range(len(original)):
        tampered = bytearray(original)
        tampered[position] ^= 0x01
        path.write_bytes(bytes(tampered))
        with pytest.raises(MediaTampered):
            read(key, media)
        # A Range read of the tampered chunk alone is refused too, giving out no byte of it.
        chunk = position // (CHUNK + CHUNK_OVERHEAD)
        start = chunk * CHUNK
        given = []
        with pytest.raises(MediaTampered):
            given.extend(media_read(key=key, aad=AAD, media=media, start=start, end=start + 1))
        assert given == []
    path.write_bytes(original)
    assert read(key, media) == data


def test_truncated_media_is_refused(recording_storage):  # noqa: F811
    data = os.urandom(3 * CHUNK)
    key = data_key_new()
    media = media_write(key=key, aad=AAD, chunks=[data])
    path = stored_file(recording_storage, media)
    original = path.read_bytes()
    full = CHUNK + CHUNK_OVERHEAD

    # The object cut short, inside a chunk or at a chunk's end.
    for length in (len(original) - 1, 2 * full, full + 5, 0):
        path.write_bytes(original[:length])
        with pytest.raises(MediaTampered, match="cut short"):
            read(key, media)
    # The last chunk dropped and the record shortened to match: the new last chunk was not
    # sealed as the last, so it does not open as one.
    path.write_bytes(original[: 2 * full])
    shorter = StoredMedia(
        object_key=media.object_key,
        plaintext_size=2 * CHUNK,
        ciphertext_size=2 * full,
        chunk_size=CHUNK,
    )
    with pytest.raises(MediaTampered):
        read(key, shorter)
    assert read(key, shorter, 0, CHUNK) == data[:CHUNK]  # the chunks before it still open


def test_swapped_or_borrowed_chunks_are_refused(recording_storage):  # noqa: F811
    key = data_key_new()
    one = media_write(key=key, aad=AAD, chunks=[os.urandom(3 * CHUNK)])
    other = media_write(key=key, aad=b"harbor-recording:0b7c0f6e-segment:1", chunks=[b"o" * 192])
    path = stored_file(recording_storage, one)
    original = path.read_bytes()
    full = CHUNK + CHUNK_OVERHEAD
    a, b, c = original[:full], original[full : 2 * full], original[2 * full :]

    path.write_bytes(b + a + c)  # reordered
    with pytest.raises(MediaTampered):
        read(key, one)
    path.write_bytes(stored_file(recording_storage, other).read_bytes()[:full] + b + c)
    with pytest.raises(MediaTampered):  # chunk 0 of another segment, same key and index
        read(key, one)
    # A whole object swapped for another segment's, or read as another segment's.
    path.write_bytes(stored_file(recording_storage, other).read_bytes())
    with pytest.raises(MediaTampered):
        read(key, one)
    path.write_bytes(original)
    with pytest.raises(MediaTampered):
        read(key, one, aad=b"harbor-recording:0b7c0f6e-segment:1")
    with pytest.raises(MediaTampered):
        read(data_key_new(), one)  # another recording's key


def test_range_reads_at_random_offsets_match_the_plaintext():
    rng = random.Random(13)
    data = os.urandom(17 * CHUNK + 23)
    key = data_key_new()
    media = media_write(key=key, aad=AAD, chunks=pieces(data, rng))

    edges = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, len(data) - 1, len(data)]
    cases = [(s, e) for s in edges for e in edges if s <= e]
    for _ in range(400):
        start = rng.randrange(len(data) + 1)
        cases.append((start, rng.randrange(start, len(data) + 1)))
    for start, end in cases:
        assert read(key, media, start, end) == data[start:end], (start, end)
    assert read(key, media, start=len(data) - 5) == data[-5:]


def test_a_range_read_opens_only_the_chunks_it_needs(recording_storage):  # noqa: F811
    data = os.urandom(5 * CHUNK)
    key = data_key_new()
    media = media_write(key=key, aad=AAD, chunks=[data])
    path = stored_file(recording_storage, media)
    full = CHUNK + CHUNK_OVERHEAD
    garbled = bytearray(path.read_bytes())
    for chunk in (0, 1, 4):  # every chunk but 2 and 3 destroyed
        garbled[chunk * full : (chunk + 1) * full] = os.urandom(full)
    path.write_bytes(bytes(garbled))

    assert read(key, media, 2 * CHUNK + 5, 4 * CHUNK) == data[2 * CHUNK + 5 : 4 * CHUNK]
    with pytest.raises(MediaTampered):
        read(key, media, 2 * CHUNK, 4 * CHUNK + 1)


def test_a_range_outside_the_media_is_refused_at_once():
    key = data_key_new()
    media = media_write(key=key, aad=AAD, chunks=[b"x" * 100])

    for start, end in [(-1, 10), (10, 5), (0, 101), (101, None)]:
        with pytest.raises(ValueError, match="outside"):
            media_read(key=key, aad=AAD, media=media, start=start, end=end)
    assert read(key, media, 100, 100) == b""


def test_missing_media_is_refused_and_deleting_it_twice_is_harmless(recording_storage):  # noqa: F811
    key = data_key_new()
    media = media_write(key=key, aad=AAD, chunks=[b"x" * 100])

    media_delete(object_key=media.object_key)
    media_delete(object_key=media.object_key)

    assert list(recording_storage.iterdir()) == []
    with pytest.raises(MediaTampered, match="missing"):
        read(key, media)


def test_a_source_failing_mid_write_leaves_nothing_stored(recording_storage):  # noqa: F811
    def source() -> Iterator[bytes]:
        yield os.urandom(3 * CHUNK + 1)
        raise ConnectionError("the provider's download broke off")

    with pytest.raises(StorageFailed) as raised:
        media_write(key=data_key_new(), aad=AAD, chunks=source())

    assert isinstance(raised.value.__cause__, ConnectionError)
    assert list(recording_storage.iterdir()) == []
    assert not _sealers(), "the sealing thread outlived the write"


class DiskFillsUp(FileSystemStorage):
    """The filesystem storage on a disk that fills up after a few writes."""

    def _save(self, name, content):
        class Filling:
            def __init__(self, inner):
                self.inner = inner

            def chunks(self):
                for number, chunk in enumerate(self.inner.chunks()):
                    if number == 2:
                        raise OSError(28, "No space left on device")
                    yield chunk

        return super()._save(name, Filling(content))


def test_a_storage_failing_mid_write_leaves_nothing_stored(settings, tmp_path):
    folder = tmp_path / "full-disk"
    settings.STORAGES = {
        **settings.STORAGES,
        "recordings": {
            "BACKEND": f"{__name__}.DiskFillsUp",
            "OPTIONS": {"location": str(folder)},
        },
    }

    with pytest.raises(StorageFailed, match="OSError"):
        media_write(key=data_key_new(), aad=AAD, chunks=(os.urandom(CHUNK) for _ in range(50)))

    assert list(folder.iterdir()) == []
    assert not _sealers(), "the sealing thread went on after the write stopped reading it"


def _sealers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "recordings-sealer" and t.is_alive()]
