"""Recordings' media on S3: django-storages and boto3, for real, against moto's S3 server."""

from __future__ import annotations

import os
import random
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.config import Config  # type: ignore[import-untyped]
from django.core.files.storage import storages

from recordings.crypto import CHUNK_OVERHEAD, data_key_new
from recordings.vault import MediaTampered, StorageFailed, media_delete, media_read, media_write
from tests.recordings.vault_fixtures import (  # noqa: F401 - fixtures
    S3Bucket,
    s3_recording_storage,
    s3_server,
)
from tests.servers import closed_port

AAD = b"harbor-recording:5d1e-segment:0"
CHUNK = 1024


@pytest.fixture(autouse=True)
def small_chunks(settings):
    settings.RECORDING_CHUNK_BYTES = CHUNK


def read(key, media, start: int = 0, end: int | None = None) -> bytes:
    return b"".join(media_read(key=key, aad=AAD, media=media, start=start, end=end))


def test_media_round_trips_through_s3_as_ciphertext_with_no_metadata(
    s3_recording_storage: S3Bucket,  # noqa: F811
    settings,
    tmp_path,
):
    # Neither boto3 nor django-storages may spill anything to a temporary file on the way.
    spill = tmp_path / "spill"
    spill.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(spill)
    data = b"Sam talked about the new job. " * 1000  # 30 kB, 30 chunks
    key = data_key_new()
    before, tempfile.tempdir = tempfile.tempdir, str(spill)
    try:
        media = media_write(key=key, aad=AAD, chunks=[data[:5000], data[5000:]])
        assert read(key, media) == data
    finally:
        tempfile.tempdir = before

    assert list(spill.iterdir()) == []
    assert s3_recording_storage.keys() == [media.object_key]
    stored = s3_recording_storage.get(media.object_key)
    assert len(stored) == media.ciphertext_size == len(data) + 30 * CHUNK_OVERHEAD
    assert b"Sam" not in stored
    head = s3_recording_storage.client.head_object(
        Bucket=s3_recording_storage.name, Key=media.object_key
    )
    assert head["Metadata"] == {}
    assert head["ContentType"] == "application/octet-stream"


def test_range_reads_on_s3_get_only_the_chunks_they_need(
    s3_recording_storage: S3Bucket,  # noqa: F811
):
    rng = random.Random(7)
    data = os.urandom(9 * CHUNK + 100)
    key = data_key_new()
    media = media_write(key=key, aad=AAD, chunks=[data])
    ranges: list[str] = []

    def record_range(params, **_):
        ranges.append(params.get("Range", "whole object"))

    storage: Any = storages["recordings"]  # django-storages' S3Storage
    client = storage.bucket.meta.client  # the one media_read uses
    client.meta.events.register("provide-client-params.s3.GetObject", record_range)
    try:
        for _ in range(40):
            start = rng.randrange(len(data) + 1)
            end = rng.randrange(start, len(data) + 1)
            assert read(key, media, start, end) == data[start:end]
        assert read(key, media, CHUNK + 10, CHUNK + 20) == data[CHUNK + 10 : CHUNK + 20]
    finally:
        client.meta.events.unregister("provide-client-params.s3.GetObject", record_range)

    full = CHUNK + CHUNK_OVERHEAD
    assert ranges[-1] == f"bytes={full}-{2 * full - 1}"  # chunk 1 alone
    assert "whole object" not in ranges


def test_tampered_truncated_or_missing_media_on_s3_is_refused(
    s3_recording_storage: S3Bucket,  # noqa: F811
):
    data = os.urandom(3 * CHUNK)
    key = data_key_new()
    media = media_write(key=key, aad=AAD, chunks=[data])
    original = s3_recording_storage.get(media.object_key)

    flipped = bytearray(original)
    flipped[CHUNK + CHUNK_OVERHEAD + 40] ^= 0x80
    s3_recording_storage.put(media.object_key, bytes(flipped))
    with pytest.raises(MediaTampered):
        read(key, media)
    assert read(key, media, 0, CHUNK) == data[:CHUNK]  # chunk 0 is untouched

    s3_recording_storage.put(media.object_key, original[: CHUNK + 10])
    with pytest.raises(MediaTampered, match="cut short"):
        read(key, media, 2 * CHUNK, 3 * CHUNK)  # S3 answers 416: the range starts past the end
    with pytest.raises(MediaTampered, match="cut short"):
        read(key, media)

    media_delete(object_key=media.object_key)
    media_delete(object_key=media.object_key)
    assert s3_recording_storage.keys() == []
    with pytest.raises(MediaTampered, match="missing"):
        read(key, media)


def test_a_source_failing_mid_upload_leaves_nothing_on_s3(
    s3_recording_storage: S3Bucket,  # noqa: F811
    settings,
):
    settings.RECORDING_CHUNK_BYTES = 1024 * 1024
    sent = 0

    def source() -> Iterator[bytes]:
        nonlocal sent
        # Past boto3's multipart threshold (8 MiB): parts are already uploaded when it breaks.
        for _ in range(20):
            sent += 1
            yield os.urandom(1024 * 1024)
        raise ConnectionError("the provider's download broke off")

    with pytest.raises(StorageFailed) as raised:
        media_write(key=data_key_new(), aad=AAD, chunks=source())

    assert isinstance(raised.value.__cause__, ConnectionError)
    assert sent == 20
    assert s3_recording_storage.keys() == []
    assert s3_recording_storage.unfinished_uploads() == []


def test_an_s3_outage_during_a_write_is_storage_failed(settings):
    with closed_port() as port:
        settings.STORAGES = {
            **settings.STORAGES,
            "recordings": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": "harbor-recordings",
                    "endpoint_url": f"http://127.0.0.1:{port}",  # refuses connections
                    "region_name": "us-east-1",
                    "access_key": "harbor-test",
                    "secret_key": "harbor-test-secret",
                    "use_threads": False,
                    "client_config": Config(connect_timeout=1, retries={"max_attempts": 1}),
                },
            },
        }

        with pytest.raises(StorageFailed, match="EndpointConnectionError"):
            media_write(key=data_key_new(), aad=AAD, chunks=[b"x" * 100])
