"""Every read of messaging data, given the viewer. Rooms:

peer.py   group peer spaces: who sees which space, post and report; the pages' reads
"""

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

__all__ = [
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
