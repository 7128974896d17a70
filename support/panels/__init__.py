"""What support shows in the core's pages (iop/slots.py): tickets.py (the desk, "Tech help",
session pages' reports) and help.py (help links, announcement banners, the onboarding checklist,
articles for a failed tech check)."""

from support.panels.help import register_help_and_announcements
from support.panels.tickets import register

__all__ = ["register", "register_help_and_announcements"]
