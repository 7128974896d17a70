"""Every read of the clinical record, scoped to the viewer. Rooms:

settings.py  record_settings_for (a program's settings, defaults when none are saved)
"""

from records.selectors.settings import record_settings_for

__all__ = ["record_settings_for"]
