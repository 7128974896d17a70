"""Recordings' media at rest: sealed in chunks (recordings/crypto.py) into the "recordings" storage.

The storage is whatever STORAGES["recordings"] names (the filesystem under var/recordings, or
S3 through django-storages); it only ever holds ciphertext, under a random name. Plaintext
exists only in memory, a chunk or two at a time: `media_write` seals its source iterator chunk
by chunk as the storage writes them, and `media_read` reads and opens only the
chunks a byte range needs. No temporary file is ever made, by Harbor or by the storage.
"""

from __future__ import annotations

import io
import logging
import queue
import secrets
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any, cast

from django.conf import settings
from django.core.files.storage import Storage, storages

from recordings.crypto import CHUNK_OVERHEAD, ChunkCipher, ChunkRejected, WrappedKey

logger = logging.getLogger(__name__)

STORAGE_ALIAS = "recordings"
# S3's answers for an object that is not there, or shorter than the range asked for.
_S3_GONE = frozenset({"NoSuchKey", "404", "InvalidRange", "416"})


@dataclass(frozen=True)
class StoredMedia:
    object_key: str  # random; names nobody
    plaintext_size: int
    ciphertext_size: int
    chunk_size: int  # plaintext bytes per independently authenticated chunk

    @property
    def chunk_count(self) -> int:
        """Chunks in the object: at least one (empty media is one empty, authenticated chunk)."""
        return max(1, -(-self.plaintext_size // self.chunk_size))

    def chunk_plaintext_size(self, index: int) -> int:
        return min(self.chunk_size, self.plaintext_size - index * self.chunk_size)

    def chunk_offset(self, index: int) -> int:
        """Where chunk `index` starts in the object: every chunk before it is full."""
        return index * (self.chunk_size + CHUNK_OVERHEAD)


class StorageFailed(Exception):
    """Storing or reading media failed (its source or the storage); a write that fails leaves
    nothing stored."""


class MediaTampered(Exception):
    """Stored media failed authentication: altered, truncated, moved or not this media's."""


def media_write(*, key: WrappedKey, aad: bytes, chunks: Iterable[bytes]) -> StoredMedia:
    """Seal `chunks` (plaintext pieces of any size) into a new object under a random name."""
    chunk_size = settings.RECORDING_CHUNK_BYTES
    sealer = _Sealer(ChunkCipher(key, aad), chunk_size)
    storage = _storage()
    name = secrets.token_urlsafe(32)
    sealed = _SealedFile(sealer.sealed(chunks))
    try:
        name = storage.save(name, cast(IO[bytes], sealed))
    except Exception as error:
        _discard(storage, name)
        raise StorageFailed(f"the media could not be stored: {type(error).__name__}") from error
    finally:
        sealed.close()
    return StoredMedia(
        object_key=name,
        plaintext_size=sealer.plaintext_size,
        ciphertext_size=sealer.ciphertext_size,
        chunk_size=chunk_size,
    )


def media_read(
    *, key: WrappedKey, aad: bytes, media: StoredMedia, start: int = 0, end: int | None = None
) -> Iterator[bytes]:
    """Plaintext bytes [start, end) of stored media, decrypting only the chunks they lie in.

    The key and range are checked at once (DataKeyUnavailable, ValueError); the storage is read
    as the result is iterated, and MediaTampered is raised before any byte of a chunk that
    fails authentication is given out.
    """
    end = media.plaintext_size if end is None else end
    if not 0 <= start <= end <= media.plaintext_size:
        raise ValueError(f"range [{start}, {end}) is outside 0..{media.plaintext_size}")
    cipher = ChunkCipher(key, aad)
    if start == end and media.plaintext_size:
        return iter(())
    first = start // media.chunk_size
    last = max(first, (end - 1) // media.chunk_size)
    return _opened(cipher, media, first, last, start, end)


def media_delete(*, object_key: str) -> None:
    """Delete stored media; deleting media that is already gone does nothing."""
    _storage().delete(object_key)


def _storage() -> Storage:
    return storages[STORAGE_ALIAS]


def _discard(storage: Storage, name: str) -> None:
    """Delete what a failed write may have left (a partial file). Should that fail too, the
    write's own error is the one raised; what is left is ciphertext nothing refers to."""
    try:
        storage.delete(name)
    except Exception:
        logger.exception("recordings: a failed write's partial object %s was not deleted", name)


def _opened(
    cipher: ChunkCipher, media: StoredMedia, first: int, last: int, start: int, end: int
) -> Iterator[bytes]:
    final = media.chunk_count - 1
    sizes = [media.chunk_plaintext_size(i) + CHUNK_OVERHEAD for i in range(first, last + 1)]
    storage = _storage()
    failures = _storage_errors(storage)
    offset = media.chunk_offset(first)
    with _ciphertext(storage, media.object_key, offset, sum(sizes)) as source:
        for index, size in zip(range(first, last + 1), sizes, strict=True):
            try:
                sealed = _read_exactly(source, size)
            except failures as error:
                raise StorageFailed(f"reading the media failed: {type(error).__name__}") from error
            if len(sealed) != size:
                raise MediaTampered(f"chunk {index} is cut short")
            try:
                plaintext = cipher.open(index, index == final, sealed)
            except ChunkRejected as error:
                raise MediaTampered(str(error)) from None
            base = index * media.chunk_size
            if base < start or base + len(plaintext) > end:
                plaintext = plaintext[max(0, start - base) : end - base]
            if plaintext:
                yield plaintext


def _is_s3(storage: Storage) -> bool:
    # Only checked once the S3 backend is loaded: the filesystem never imports boto3.
    s3 = sys.modules.get("storages.backends.s3")
    return s3 is not None and isinstance(storage, s3.S3Storage)


def _storage_errors(storage: Storage) -> tuple[type[Exception], ...]:
    if not _is_s3(storage):
        return (OSError,)
    from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

    return (OSError, BotoCoreError, ClientError)


@contextmanager
def _ciphertext(storage: Storage, name: str, offset: int, length: int) -> Iterator[IO[bytes]]:
    """`length` bytes of an object from `offset`: one ranged GET on S3 (S3Storage.open would
    download the whole object), else the storage's file, opened and seeked."""
    source: IO[bytes]
    if _is_s3(storage):
        source = _s3_range(storage, name, offset, length)
    else:
        try:
            source = storage.open(name, "rb")
            source.seek(offset)
        except FileNotFoundError:
            raise MediaTampered("the stored object is missing") from None
        except OSError as error:
            raise StorageFailed(f"reading the media failed: {type(error).__name__}") from error
    try:
        yield source
    finally:
        source.close()


def _s3_range(storage: Any, name: str, offset: int, length: int) -> IO[bytes]:
    from botocore.exceptions import BotoCoreError, ClientError
    from storages.utils import clean_name  # type: ignore[import-untyped]

    s3_object = storage.bucket.Object(storage._normalize_name(clean_name(name)))
    try:
        response = s3_object.get(Range=f"bytes={offset}-{offset + length - 1}")
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in _S3_GONE:
            raise MediaTampered("the stored object is missing or cut short") from None
        raise StorageFailed(f"reading the media failed: {error}") from error
    except BotoCoreError as error:
        raise StorageFailed(f"reading the media failed: {type(error).__name__}") from error
    body: IO[bytes] = response["Body"]
    return body


def _read_exactly(source: IO[bytes], size: int) -> bytes:
    data = source.read(size)
    if len(data) == size or not data:
        return data
    parts = [data]
    have = len(data)
    while have < size:
        more = source.read(size - have)
        if not more:
            break
        parts.append(more)
        have += len(more)
    return b"".join(parts)


class _Sealer:
    """Cuts plaintext pieces of any size into chunks and seals them, counting the bytes."""

    def __init__(self, cipher: ChunkCipher, chunk_size: int):
        self._cipher = cipher
        self._chunk_size = chunk_size
        self.plaintext_size = 0
        self.ciphertext_size = 0

    def sealed(self, source: Iterable[bytes]) -> Iterator[bytes]:
        for index, (plaintext, last) in enumerate(self._chunks(source)):
            sealed = self._cipher.seal(index, last, plaintext)
            self.ciphertext_size += len(sealed)
            yield sealed

    def _chunks(self, source: Iterable[bytes]) -> Iterator[tuple[bytes, bool]]:
        """(chunk, is it the last) of the source, cut to exactly chunk_size but the last."""
        size = self._chunk_size
        buffer = bytearray()
        held: bytes | None = None  # a full chunk: whether it is the last is not yet known
        for piece in source:
            if not piece:
                continue
            self.plaintext_size += len(piece)
            if held is not None:
                yield held, False
                held = None
            if not buffer and len(piece) == size:
                held = bytes(piece)
                continue
            buffer += piece
            while len(buffer) > size:
                yield bytes(memoryview(buffer)[:size]), False
                del buffer[:size]
            if len(buffer) == size:
                held, buffer = bytes(buffer), bytearray()
        yield (held, True) if held is not None else (bytes(buffer), True)


class _SealedFile(io.RawIOBase):
    """Sealed chunks as a read-only, unseekable file, sealed as the storage reads them: a
    FileSystemStorage writes each chunk as it comes (`chunks`); S3's uploader reads parts of a
    fixed size (`read`). For the filesystem, the chunks are sealed a chunk ahead in a thread
    of their own (`_sealed_ahead`): Tink holds the GIL while it encrypts, but a file write gives
    it up while the kernel copies, so the two overlap (bench/recording.py: media_write from 0.50
    to 0.69 of raw AES-GCM on a 2-CPU machine)."""

    def __init__(self, sealed: Iterator[bytes]):
        super().__init__()
        self._sealed = sealed
        self._pending = memoryview(b"")
        self.name = "sealed"

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        return _sealed_ahead(self._sealed)

    def read(self, size: int | None = -1) -> bytes:
        parts: list[bytes | memoryview] = []
        wanted = sys.maxsize if size is None or size < 0 else size
        while wanted > 0:
            if not self._pending:
                sealed = next(self._sealed, None)
                if sealed is None:
                    break
                self._pending = memoryview(sealed)
            part, self._pending = self._pending[:wanted], self._pending[wanted:]
            parts.append(part)
            wanted -= len(part)
        return b"".join(parts)

    def readable(self) -> bool:
        return True


_END = object()


def _sealed_ahead(sealed: Iterator[bytes], depth: int = 2) -> Iterator[bytes]:
    """The sealed chunks, sealed in a thread of their own while the caller writes the previous
    one: a file write gives up the GIL while the kernel copies, so sealing and writing overlap.
    An error of the sealing is raised here; closing this iterator early stops the sealing."""
    ready: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def hand(item: Any) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def seal() -> None:
        try:
            for chunk in sealed:
                if not hand(chunk):
                    return
            hand(_END)
        except BaseException as error:  # handed to the writer, raised there
            hand(error)

    sealer = threading.Thread(target=seal, name="recordings-sealer", daemon=True)
    sealer.start()
    try:
        while True:
            item = ready.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        sealer.join()
