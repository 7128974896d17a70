"""Every write of messaging data. Rooms:

threads.py  care-team threads: thread_start, message_send (crisis screen), thread_read,
            reply_reminder_tick (the unanswered-message timers)
peer.py   group peer spaces: peer_space_enable, peer_space_update, peer_guidelines_accept,
          peer_post_create (crisis screen), peer_post_hide, peer_post_show, peer_post_pin,
          peer_member_mute, peer_member_unmute, peer_report_create, peer_report_review,
          peer_report_tick (the report timers)
"""

# threads.py: care-team threads
# peer.py: group peer spaces
from messaging.services.peer import (
    peer_guidelines_accept,
    peer_member_mute,
    peer_member_unmute,
    peer_post_create,
    peer_post_hide,
    peer_post_pin,
    peer_post_show,
    peer_report_create,
    peer_report_review,
    peer_report_tick,
    peer_space_enable,
    peer_space_update,
    shown_name_suggested,
)
from messaging.services.threads import (
    message_send,
    reply_reminder_tick,
    thread_read,
    thread_start,
)

__all__ = [
    "message_send",
    "reply_reminder_tick",
    "thread_read",
    "thread_start",
    "peer_guidelines_accept",
    "peer_member_mute",
    "peer_member_unmute",
    "peer_post_create",
    "peer_post_hide",
    "peer_post_pin",
    "peer_post_show",
    "peer_report_create",
    "peer_report_review",
    "peer_report_tick",
    "peer_space_enable",
    "peer_space_update",
    "shown_name_suggested",
]
