"""Tech support in the Django admin; every change goes through a service."""

from support import admin_tickets  # noqa: F401 - calendars, SLA policies and canned replies
