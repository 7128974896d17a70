"""Every write of tech support. Rooms:

help.py            help articles (rendered and sanitised on save), guides, "Did this help?"
                   votes, read receipts
announcements.py   announcements, dismissing a banner, choosing to hear about updates, and the
                   notice tick that puts due "tell people" messages in the outbox
onboarding.py      the getting-started checklist's completion
"""

from support.services.announcements import (
    announcement_delete,
    announcement_dismiss,
    announcement_notice_tick,
    announcement_save,
    update_notices_choose,
)
from support.services.help import (
    article_read_record,
    guide_save,
    help_article_delete,
    help_article_save,
    help_vote_record,
)
from support.services.onboarding import onboarding_complete

__all__ = [
    "announcement_delete",
    "announcement_dismiss",
    "announcement_notice_tick",
    "announcement_save",
    "article_read_record",
    "guide_save",
    "help_article_delete",
    "help_article_save",
    "help_vote_record",
    "onboarding_complete",
    "update_notices_choose",
]
