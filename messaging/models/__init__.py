"""Messaging's models, one family per module."""

# threads.py: care-team threads (conversations, messages, read positions, reply timers)
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
from messaging.models.threads import (
    BODY_MAX,
    SUBJECT_MAX,
    Message,
    MessageKind,
    MessageThread,
    ReminderStage,
    ReplyTimer,
    ThreadRead,
)

__all__ = [
    "BODY_MAX",
    "SUBJECT_MAX",
    "Message",
    "MessageKind",
    "MessageThread",
    "ReminderStage",
    "ReplyTimer",
    "ThreadRead",
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
