"""Where tests keep recordings' media: a scratch folder, or S3 through moto's server.

Import the fixtures into the tests that need them:
`from tests.recordings.vault_fixtures import recording_storage  # noqa: F401`.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
import pytest
from moto.server import ThreadedMotoServer

S3_REGION = "us-east-1"
S3_CREDENTIALS = {"access_key": "harbor-test", "secret_key": "harbor-test-secret"}


@pytest.fixture
def recording_storage(settings, tmp_path) -> Path:
    """The "recordings" storage on the local filesystem, in a folder of this test's own."""
    folder = tmp_path / "recordings"
    settings.STORAGES = {
        **settings.STORAGES,
        "recordings": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder), "file_permissions_mode": 0o600},
        },
    }
    return folder


@pytest.fixture(scope="module")
def s3_server() -> Iterator[str]:
    """moto's S3 server on a free local port: its endpoint URL."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@dataclass
class S3Bucket:
    client: Any  # boto3's S3 client, to look at the bucket from outside Harbor
    name: str

    def keys(self) -> list[str]:
        listed = self.client.list_objects_v2(Bucket=self.name)
        return [item["Key"] for item in listed.get("Contents", [])]

    def unfinished_uploads(self) -> list[str]:
        listed = self.client.list_multipart_uploads(Bucket=self.name)
        return [item["Key"] for item in listed.get("Uploads", [])]

    def get(self, key: str) -> bytes:
        body: bytes = self.client.get_object(Bucket=self.name, Key=key)["Body"].read()
        return body

    def put(self, key: str, body: bytes) -> None:
        self.client.put_object(Bucket=self.name, Key=key, Body=body)


@pytest.fixture
def s3_recording_storage(settings, s3_server) -> S3Bucket:
    """The "recordings" storage on S3 (django-storages, boto3) in a new bucket on moto's server."""
    bucket = "harbor-recordings-" + secrets.token_hex(4)
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name=S3_REGION,
        aws_access_key_id=S3_CREDENTIALS["access_key"],
        aws_secret_access_key=S3_CREDENTIALS["secret_key"],
    )
    client.create_bucket(Bucket=bucket)
    settings.STORAGES = {
        **settings.STORAGES,
        "recordings": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": s3_server,
                "region_name": S3_REGION,
                **S3_CREDENTIALS,
                "default_acl": None,
                "file_overwrite": False,
                "use_threads": False,
            },
        },
    }
    return S3Bucket(client=client, name=bucket)
