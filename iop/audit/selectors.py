"""Reads of the access log, always scoped to the viewer."""

from __future__ import annotations

from django.db.models import QuerySet

from iop.accounts.models import ClientProfile, Role
from iop.audit.models import AccessLog
from iop.domain import NotAllowed
from iop.viewer import Viewer, person_of


def access_log_for(viewer: Viewer, client: ClientProfile) -> QuerySet[AccessLog]:
    """Who looked at a client's record, newest first: for supervisors and administrators only.

    `client` must come from a scoped selector (the viewer may see the client)."""
    person = person_of(viewer)
    if person is None or person.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise NotAllowed("Only supervisors can see who looked at a record.")
    return AccessLog.objects.filter(client=client).select_related("actor").order_by("-at", "-id")
