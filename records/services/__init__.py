"""Every write of the clinical record. Rooms:

settings.py  record_settings_update (a program's plan, note and hours settings)
hours.py     hours_check_tick (clients below the weekly minimum from the check day: an
             engagement alert once per client-week), hours_check_program, hours_check_reschedule
export.py    record_export (a client's signed plans and notes as one PDF, audited as an export)
"""

from records.services.export import record_export
from records.services.hours import hours_check_program, hours_check_reschedule, hours_check_tick
from records.services.settings import record_settings_update

__all__ = [
    "hours_check_program",
    "hours_check_reschedule",
    "hours_check_tick",
    "record_export",
    "record_settings_update",
]
