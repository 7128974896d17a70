"""Encryption at rest of recordings: one Tink data key per recording, wrapped by RECORDING_KEYS.

A recording's data key is a Tink keyset (one AES-256-GCM key) that exists in the clear only in
memory; the database keeps it wrapped (Tink's encrypted keyset format) under a key-encryption
key from RECORDING_KEYS, with that key's id. The first RECORDING_KEYS entry wraps new data keys
and every entry unwraps, so the keys rotate: add a new first entry, rewrap every recording's
data key (`data_key_rewrap`), then remove the old entry. Discarding a wrapped data key makes
its recording unreadable everywhere, backups included (crypto-shredding).

Media are sealed in chunks, not as one stream. Tink's streaming AEAD (AES-GCM-HKDF) in Python
cannot seek, and playback must answer HTTP Range requests without decrypting from the start.
So the plaintext is cut into chunks of RECORDING_CHUNK_BYTES (the last one shorter, and a
recording always has at least one, possibly empty) and each chunk is its own Tink AEAD
ciphertext, authenticated on its own. Its associated data binds the caller's `aad` (the
recording and segment), the chunk's index and whether it is the last chunk: chunks cannot be
reordered, swapped between segments or recordings, dropped from the end (the new last chunk was
not sealed as last) or taken from another recording. Every full chunk's ciphertext is the same
size (CHUNK_OVERHEAD more than its plaintext), so a Range read finds, reads and decrypts only
the chunks it needs (recordings/vault.py). Tink's AEAD rather than a streaming AEAD per chunk:
it was measured faster (bench/recording.py --part crypto), with the same guarantees here.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from functools import lru_cache

import tink  # type: ignore[import-untyped]
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from tink import aead, secret_key_access
from tink.proto import aes_gcm_pb2, tink_pb2  # type: ignore[import-untyped]

from iop.production import recording_keys_parse

aead.register()

# A data key is a keyset of one key, so its ciphertexts need no key-id prefix (RAW): Tink's
# AES-GCM ciphertext is then a 12-byte random nonce, the data and a 16-byte tag.
DATA_KEY_TEMPLATE = aead.aead_key_templates.AES256_GCM_RAW
CHUNK_OVERHEAD = 28
_AES_GCM_KEY_TYPE = "type.googleapis.com/google.crypto.tink.AesGcmKey"
_WRAP_CONTEXT = b"harbor-recording-data-key:"
_CHUNK_CONTEXT = b"harbor-recording-chunk\x00"


@dataclass(frozen=True)
class WrappedKey:
    kek_id: str  # which RECORDING_KEYS entry wrapped it
    wrapped: bytes  # the per-recording Tink keyset, encrypted by that KEK


class DataKeyUnavailable(Exception):
    """The data key cannot be unwrapped: its key-encryption key is no longer in RECORDING_KEYS,
    or the wrapped key is damaged."""


class ChunkRejected(Exception):
    """A chunk failed authentication: altered, truncated, moved or sealed for other media."""


def data_key_new() -> WrappedKey:
    """A fresh data key for one recording, wrapped by the first (primary) RECORDING_KEYS key."""
    primary, keks = _keks(tuple(settings.RECORDING_KEYS))
    keyset = tink.new_keyset_handle(DATA_KEY_TEMPLATE)
    return _wrap(keyset, primary, keks[primary])


def primary_kek_id() -> str:
    """The id of the key that wraps new data keys (and rewraps old ones)."""
    return _keks(tuple(settings.RECORDING_KEYS))[0]


def data_key_rewrap(key: WrappedKey) -> WrappedKey:
    """The same data key wrapped by the primary key (unchanged when it already is)."""
    primary, keks = _keks(tuple(settings.RECORDING_KEYS))
    if key.kek_id == primary:
        return key
    return _wrap(_unwrap(key), primary, keks[primary])


class ChunkCipher:
    """Seals and opens the chunks of one media object under its recording's data key."""

    def __init__(self, key: WrappedKey, aad: bytes):
        self._aead = _unwrap(key).primitive(aead.Aead)
        # Length-prefixed, so no (aad, index, last) reads as another.
        self._context = _CHUNK_CONTEXT + struct.pack(">Q", len(aad)) + aad

    def _associated(self, index: int, last: bool) -> bytes:
        return self._context + struct.pack(">Q?", index, last)

    def seal(self, index: int, last: bool, plaintext: bytes) -> bytes:
        ciphertext: bytes = self._aead.encrypt(plaintext, self._associated(index, last))
        return ciphertext

    def open(self, index: int, last: bool, ciphertext: bytes) -> bytes:
        try:
            plaintext: bytes = self._aead.decrypt(ciphertext, self._associated(index, last))
        except tink.TinkError:
            raise ChunkRejected(f"chunk {index} failed authentication") from None
        return plaintext


def _wrap(keyset: tink.KeysetHandle, kek_id: str, kek: aead.Aead) -> WrappedKey:
    wrapped = tink.proto_keyset_format.serialize_encrypted(
        keyset, kek, _WRAP_CONTEXT + kek_id.encode()
    )
    return WrappedKey(kek_id=kek_id, wrapped=wrapped)


def _unwrap(key: WrappedKey) -> tink.KeysetHandle:
    _, keks = _keks(tuple(settings.RECORDING_KEYS))
    kek = keks.get(key.kek_id)
    if kek is None:
        raise DataKeyUnavailable(f"RECORDING_KEYS has no key {key.kek_id!r} any more")
    try:
        return tink.proto_keyset_format.parse_encrypted(
            key.wrapped, kek, _WRAP_CONTEXT + key.kek_id.encode()
        )
    except tink.TinkError:
        raise DataKeyUnavailable(f"the data key does not unwrap under {key.kek_id!r}") from None


@lru_cache(maxsize=4)
def _keks(entries: tuple[str, ...]) -> tuple[str, dict[str, aead.Aead]]:
    """The primary key's id and every key-encryption key's AEAD, by id."""
    try:
        parsed = recording_keys_parse(list(entries))
    except ValueError as error:
        raise ImproperlyConfigured(f"RECORDING_KEYS {error}") from None
    if not parsed:
        raise ImproperlyConfigured("RECORDING_KEYS is empty: recordings cannot be encrypted")
    return parsed[0][0], {key_id: _kek_aead(raw) for key_id, raw in parsed}


def _kek_aead(raw: bytes) -> aead.Aead:
    """Tink's AES-256-GCM over raw key bytes: a one-key keyset, as Tink imports a raw key."""
    key = tink_pb2.Keyset.Key(
        key_data=tink_pb2.KeyData(
            type_url=_AES_GCM_KEY_TYPE,
            value=aes_gcm_pb2.AesGcmKey(version=0, key_value=raw).SerializeToString(),
            key_material_type=tink_pb2.KeyData.SYMMETRIC,
        ),
        status=tink_pb2.ENABLED,
        key_id=1,
        output_prefix_type=tink_pb2.RAW,
    )
    keyset = tink_pb2.Keyset(primary_key_id=1, key=[key])
    handle = tink.proto_keyset_format.parse(keyset.SerializeToString(), secret_key_access.TOKEN)
    return handle.primitive(aead.Aead)
