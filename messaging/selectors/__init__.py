"""Every read of messaging data, given the viewer. Rooms:

threads.py  care-team threads: threads and messages the viewer may see, the staff inbox, unread
            counts, the help panel shown after crisis words
peer.py     group peer spaces: who sees which space, post and report; the pages' reads
"""

# threads.py: care-team threads
# peer.py: group peer spaces
from messaging.selectors.peer import (
    FORMER_MEMBER,
    PeerPage,
    PostView,
    SpaceRow,
    is_muted,
    may_moderate,
    must_accept,
    peer_member_get_for,
    peer_member_of,
    peer_members_of,
    peer_moderation_log,
    peer_moderator_ids,
    peer_page_for,
    peer_post_get_for,
    peer_report_get_for,
    peer_reports_open_in,
    peer_space_get_for,
    peer_spaces_overview_for,
    peer_spaces_visible_to,
)
from messaging.selectors.threads import (
    colleagues_by_ids,
    colleagues_for,
    help_for,
    inbox_for,
    message_client_for,
    message_get_for,
    messages_of,
    messages_visible_to,
    thread_get_for,
    threads_visible_to,
    unread_summary_for,
    with_unread,
)

__all__ = [
    "colleagues_by_ids",
    "colleagues_for",
    "help_for",
    "inbox_for",
    "message_client_for",
    "message_get_for",
    "messages_of",
    "messages_visible_to",
    "thread_get_for",
    "threads_visible_to",
    "unread_summary_for",
    "with_unread",
    "FORMER_MEMBER",
    "PeerPage",
    "PostView",
    "SpaceRow",
    "is_muted",
    "may_moderate",
    "must_accept",
    "peer_member_get_for",
    "peer_member_of",
    "peer_members_of",
    "peer_moderation_log",
    "peer_moderator_ids",
    "peer_page_for",
    "peer_post_get_for",
    "peer_report_get_for",
    "peer_reports_open_in",
    "peer_space_get_for",
    "peer_spaces_overview_for",
    "peer_spaces_visible_to",
]
