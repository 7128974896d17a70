"""Sessions: groups and enrolment, the schedule, joining, attendance, make-ups and reminders.

One model family per file; everything is importable from `sessions_app.models`.
"""

from sessions_app.models.attendance import (
    AlertReason,
    Attendance,
    AttendanceCorrection,
    AttendanceEvent,
    AttendanceEventSource,
    AttendanceStatus,
    EngagementAlert,
    EventKind,
    Presence,
)
from sessions_app.models.groups import Enrolment, Group, ProgramSessionSettings
from sessions_app.models.joining import CalendarFeed, ChatMessage, MediaState, TechCheck
from sessions_app.models.makeups import OPEN_MAKEUP_STATUSES, MakeUpRequest, MakeUpStatus
from sessions_app.models.reminders import ReminderPreference, SessionReminder
from sessions_app.models.schedule import (
    GROUP_KINDS,
    Session,
    SessionKind,
    SessionSeries,
    SessionStatus,
    VideoProviderName,
)

__all__ = [
    "AlertReason",
    "GROUP_KINDS",
    "OPEN_MAKEUP_STATUSES",
    "Attendance",
    "AttendanceCorrection",
    "AttendanceEvent",
    "AttendanceStatus",
    "CalendarFeed",
    "ChatMessage",
    "EngagementAlert",
    "Enrolment",
    "EventKind",
    "AttendanceEventSource",
    "Group",
    "MakeUpRequest",
    "MakeUpStatus",
    "MediaState",
    "Presence",
    "ProgramSessionSettings",
    "ReminderPreference",
    "Session",
    "SessionKind",
    "SessionReminder",
    "SessionSeries",
    "SessionStatus",
    "TechCheck",
    "VideoProviderName",
]
