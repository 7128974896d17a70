"""Every write of the clinical record. Rooms:

settings.py  record_settings_update (a program's plan, note and hours settings)
export.py    record_export (a client's signed plans and notes as one PDF, audited as an export)
"""

from records.services.export import record_export
from records.services.settings import record_settings_update

__all__ = ["record_export", "record_settings_update"]
