"""Tech support models, one family per file; everything is importable from `support.models`."""

from support.models.announcements import (
    Announcement,
    AnnouncementDismissal,
    NoticeChannel,
    Severity,
    UpdateNoticeOptIn,
)
from support.models.help import (
    ArticleCategory,
    ArticleRead,
    ArticleStatus,
    Audience,
    Guide,
    GuideStep,
    HelpArticle,
    HelpVote,
    OnboardingCompletion,
    TechTopic,
)

__all__ = [
    "Announcement",
    "AnnouncementDismissal",
    "ArticleCategory",
    "ArticleRead",
    "ArticleStatus",
    "Audience",
    "Guide",
    "GuideStep",
    "HelpArticle",
    "HelpVote",
    "NoticeChannel",
    "OnboardingCompletion",
    "Severity",
    "TechTopic",
    "UpdateNoticeOptIn",
]
