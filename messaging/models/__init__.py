"""Messaging's models, one family per module."""

from messaging.models.threads import (  # noqa: E402,F401 - care-team threads
    BODY_MAX,
    SUBJECT_MAX,
    Message,
    MessageKind,
    MessageThread,
    ReminderStage,
    ReplyTimer,
    ThreadRead,
)
