"""Every read of the clinical record, scoped to the viewer. Rooms:

settings.py      record_settings_for (a program's settings, defaults when none are saved)
hours.py         IOP hours per treatment week, one query per program: hours_of (Harbor's own,
                 unaudited), weekly_hours_for, hours_clients_for, client_hours_for (audited)
hours_report.py  the weekly hours report and its CSV export (audited as an export)
"""

from records.selectors.hours import (
    ClientHours,
    HoursRule,
    WeekHours,
    client_hours_for,
    hours_clients_for,
    hours_of,
    weekly_hours_for,
)
from records.selectors.hours_report import HoursReport, hours_report_csv, hours_report_for
from records.selectors.settings import record_settings_for

__all__ = [
    "ClientHours",
    "HoursReport",
    "HoursRule",
    "WeekHours",
    "client_hours_for",
    "hours_clients_for",
    "hours_of",
    "hours_report_csv",
    "hours_report_for",
    "record_settings_for",
    "weekly_hours_for",
]
