"""What the sessions API views share: the scopes, and the audit of every list of client rows."""

from __future__ import annotations

from collections.abc import Iterable

from iop.api.models import Scope
from iop.audit.services import access_record_list

READ, WRITE = Scope.SESSIONS_READ, Scope.SESSIONS_WRITE


def audit_rows(request, rows: Iterable, object_type: str) -> None:
    """One access-log row per client among the rows returned."""
    clients = {r.client_id: r.client for r in rows if getattr(r, "client_id", None)}
    access_record_list(actor=request.user, clients=clients.values(), object_type=object_type)


class AuditedListMixin:
    """A paginated list whose rows name clients: each client shown is audit-logged."""

    audit_object_type: str

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        audit_rows(request, page, self.audit_object_type)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
