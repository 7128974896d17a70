"""Data keys: one per recording, wrapped by RECORDING_KEYS, rewrapped when the keys rotate."""

from __future__ import annotations

import base64
import os

import pytest
from django.core.exceptions import ImproperlyConfigured

from iop.production import recording_keys_parse, weak_recording_key
from recordings.crypto import (
    DataKeyUnavailable,
    WrappedKey,
    data_key_new,
    data_key_rewrap,
)
from recordings.vault import MediaTampered, media_read, media_write
from tests.recordings.vault_fixtures import recording_storage  # noqa: F401

AAD = b"harbor-recording:rotation:0"


def new_kek(key_id: str) -> str:
    return f"{key_id}:{base64.urlsafe_b64encode(os.urandom(32)).decode()}"


OLD, NEW = new_kek("2025"), new_kek("2026")


def read_all(key: WrappedKey, media) -> bytes:
    return b"".join(media_read(key=key, aad=AAD, media=media))


def test_a_new_data_key_is_wrapped_by_the_first_key(settings):
    settings.RECORDING_KEYS = [NEW, OLD]

    key = data_key_new()

    assert key.kek_id == "2026"
    assert key.wrapped != data_key_new().wrapped  # a fresh key each time


def test_the_wrapped_key_holds_no_key_material_in_the_clear(settings):
    settings.RECORDING_KEYS = [NEW]

    key = data_key_new()

    # The wrapping is Tink's encrypted keyset: its key value is ciphertext, and the KEK is absent.
    kek = base64.urlsafe_b64decode(NEW.split(":")[1])
    assert kek not in key.wrapped


@pytest.mark.usefixtures("recording_storage")
def test_rotation_rewraps_to_the_new_key_and_the_old_key_reads_while_listed(settings):
    settings.RECORDING_KEYS = [OLD]
    key = data_key_new()
    media = media_write(key=key, aad=AAD, chunks=[b"session audio " * 100])

    settings.RECORDING_KEYS = [NEW, OLD]  # a new primary; the old key still listed
    rewrapped = data_key_rewrap(key)

    assert rewrapped.kek_id == "2026"
    assert rewrapped.wrapped != key.wrapped
    assert read_all(rewrapped, media) == b"session audio " * 100
    assert read_all(key, media) == b"session audio " * 100  # not yet rewrapped: still readable

    settings.RECORDING_KEYS = [NEW]  # the old key removed
    assert read_all(rewrapped, media) == b"session audio " * 100
    with pytest.raises(DataKeyUnavailable, match="2025"):
        read_all(key, media)
    with pytest.raises(DataKeyUnavailable):
        data_key_rewrap(key)


def test_rewrapping_a_key_already_under_the_primary_changes_nothing(settings):
    settings.RECORDING_KEYS = [NEW, OLD]
    key = data_key_new()

    assert data_key_rewrap(key) is key


def test_a_damaged_or_relabelled_wrapped_key_does_not_unwrap(settings):
    settings.RECORDING_KEYS = [NEW, OLD]
    key = data_key_new()
    flipped = bytearray(key.wrapped)
    flipped[len(flipped) // 2] ^= 1

    with pytest.raises(DataKeyUnavailable):
        data_key_rewrap(WrappedKey(kek_id="2025", wrapped=key.wrapped))  # claims the old key
    settings.RECORDING_KEYS = [OLD, NEW]
    with pytest.raises(DataKeyUnavailable):
        data_key_rewrap(WrappedKey(kek_id="2026", wrapped=bytes(flipped)))


@pytest.mark.usefixtures("recording_storage")
def test_a_shredded_recording_is_unreadable_with_any_other_data_key(settings):
    settings.RECORDING_KEYS = [NEW]
    media = media_write(key=data_key_new(), aad=AAD, chunks=[b"x" * 5000])
    # The wrapped key is gone (the purge deletes it first): no other key opens a chunk, and the
    # key-encryption key alone opens nothing.
    for _ in range(3):
        with pytest.raises(MediaTampered):
            read_all(data_key_new(), media)


def test_a_bad_recording_keys_setting_fails_loudly_without_echoing_it(settings):
    settings.RECORDING_KEYS = ["k1:tooshort"]

    with pytest.raises(ImproperlyConfigured, match="entry 1") as raised:
        data_key_new()
    assert "tooshort" not in str(raised.value)

    settings.RECORDING_KEYS = []
    with pytest.raises(ImproperlyConfigured, match="empty"):
        data_key_new()


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ("nokeyhere", "must be id:key"),
        (":" + NEW.split(":")[1], "must be id:key"),
        ("a b:" + NEW.split(":")[1], "must be id:key"),
        ("k:" + base64.urlsafe_b64encode(os.urandom(16)).decode(), "no valid key"),
        ("k:" + base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("="), "no valid key"),
        ("k:" + "*" * 44, "no valid key"),
    ],
    # Named, not shown: the random keys would give every process (a parallel run's workers)
    # different test ids.
    ids=["no-colon", "no-id", "id-with-space", "short-key", "unpadded-key", "not-base64"],
)
def test_recording_keys_are_parsed_strictly(entry, reason):
    with pytest.raises(ValueError, match=reason) as raised:
        recording_keys_parse([NEW, entry])

    assert "entry 2" in str(raised.value)


def test_recording_keys_refuse_a_repeated_id_and_spot_a_weak_key():
    with pytest.raises(ValueError, match="entry 2 repeats"):
        recording_keys_parse([NEW, NEW])

    assert recording_keys_parse([NEW, OLD])[0][0] == "2026"
    assert weak_recording_key([NEW, OLD]) is None
    assert weak_recording_key([NEW, "zero:" + base64.urlsafe_b64encode(bytes(32)).decode()]) == 2
