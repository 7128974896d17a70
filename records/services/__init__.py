"""Every write of the clinical record. Rooms:

settings.py  record_settings_update (a program's plan, note and hours settings)
"""

from records.services.settings import record_settings_update

__all__ = ["record_settings_update"]
