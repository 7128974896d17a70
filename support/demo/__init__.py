"""Support's part of the demo clinic (called by `manage.py seed_demo`): help.py (articles, the
getting-started guide, announcements) and tickets.py (the desk's set-up and a queue of tickets
with live SLA clocks)."""

from support.demo.help import seed_articles, seed_help
from support.demo.tickets import seed_support_tickets

__all__ = ["seed_articles", "seed_help", "seed_support_tickets"]
