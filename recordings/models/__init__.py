"""Recordings models, one family per file."""

from recordings.models.access import AccessRequestState, CatchUpOffer, RecordingAccessRequest
from recordings.models.presence import PresenceSource, ProviderEventSeen, RoomPresence
from recordings.models.recordings import (
    ACTIVE_STATES,
    CONSENT_FOR_PURPOSE,
    Recording,
    RecordingPurpose,
    RecordingSegment,
    RecordingState,
    SegmentParticipant,
    SegmentState,
)
from recordings.models.retention import DEFAULT_RETENTION_DAYS, RecordingRetention

__all__ = [
    "ACTIVE_STATES",
    "AccessRequestState",
    "CONSENT_FOR_PURPOSE",
    "CatchUpOffer",
    "DEFAULT_RETENTION_DAYS",
    "PresenceSource",
    "ProviderEventSeen",
    "Recording",
    "RecordingAccessRequest",
    "RecordingPurpose",
    "RecordingRetention",
    "RecordingSegment",
    "RecordingState",
    "RoomPresence",
    "SegmentParticipant",
    "SegmentState",
]
