"""Sessions over the API (/api/v1/): groups, series, sessions, enrolments, attendance, tech checks and
make-up requests, scoped like the pages; every read of client data is audit-logged."""

from sessions_app.api.attendance import AttendanceViewSet, TechCheckViewSet
from sessions_app.api.makeups import MakeUpViewSet
from sessions_app.api.schedule import (
    EnrolmentViewSet,
    GroupViewSet,
    SeriesViewSet,
    SessionViewSet,
)

__all__ = [
    "AttendanceViewSet",
    "EnrolmentViewSet",
    "GroupViewSet",
    "MakeUpViewSet",
    "SeriesViewSet",
    "SessionViewSet",
    "TechCheckViewSet",
]
