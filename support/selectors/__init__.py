"""Every read of tech support, always given the viewer. Rooms:

help.py            help articles for the viewer's audience, search, guides, the session page's
                   trouble-box articles
announcements.py   announcements in their window for the viewer, banners not dismissed
onboarding.py      a new client's getting-started checklist

Who sees what: support agents see tickets and the tech data on them, never clinical records
(DESIGN invariant 5); a client sees their own tickets and the published help for clients.
"""

from support.selectors.announcements import (
    announcement_get_for,
    announcements_visible_to,
    banners_for,
    dismissed_ids_of,
    update_notice_choice_of,
)
from support.selectors.help import (
    CategoryShelf,
    GuidePage,
    SearchResult,
    audiences_for,
    failed_topics_of,
    guide_page_for,
    guides_of_article,
    guides_visible_to,
    help_article_get_for,
    help_article_list_for,
    help_articles_visible_to,
    help_for_tech_check,
    help_search_for,
    help_shelves_for,
    onboarding_guide_for,
)
from support.selectors.onboarding import Checklist, ChecklistItem, onboarding_checklist_for

__all__ = [
    "CategoryShelf",
    "Checklist",
    "ChecklistItem",
    "GuidePage",
    "SearchResult",
    "announcement_get_for",
    "announcements_visible_to",
    "audiences_for",
    "banners_for",
    "dismissed_ids_of",
    "failed_topics_of",
    "guide_page_for",
    "guides_of_article",
    "guides_visible_to",
    "help_article_get_for",
    "help_article_list_for",
    "help_articles_visible_to",
    "help_for_tech_check",
    "help_search_for",
    "help_shelves_for",
    "onboarding_checklist_for",
    "onboarding_guide_for",
    "update_notice_choice_of",
]
