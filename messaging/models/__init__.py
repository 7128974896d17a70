"""Messaging's models, one family per module."""

# peer.py: group peer spaces (posts, members, reports, moderation)
from messaging.models.peer import (
    ModerationAction,
    PeerMember,
    PeerModeration,
    PeerPost,
    PeerReport,
    PeerSpace,
    PostState,
    ReportStage,
    ReportState,
)

__all__ = [
    "ModerationAction",
    "PeerMember",
    "PeerModeration",
    "PeerPost",
    "PeerReport",
    "PeerSpace",
    "PostState",
    "ReportStage",
    "ReportState",
]
