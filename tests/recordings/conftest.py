"""Recordings fixtures: the LiveKit fake and its staging bucket (tests/livekit_fake.py)."""

from tests.livekit_fake import livekit, livekit_fake, staging_s3  # noqa: F401 - fixtures
