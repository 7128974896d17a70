"""What the sessions API views share: the scopes, and the audit of every list of client rows."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from iop.accounts.models import ClientProfile, Role
from iop.accounts.selectors import clients_visible_to
from iop.api.models import Scope
from iop.audit.services import access_record_list
from iop.viewer import person_of

READ, WRITE = Scope.SESSIONS_READ, Scope.SESSIONS_WRITE


def audit_rows(request, rows: Iterable, object_type: str) -> None:
    """One access-log row per client among the rows returned."""
    clients = {r.client_id: r.client for r in rows if getattr(r, "client_id", None)}
    access_record_list(actor=request.user, clients=clients.values(), object_type=object_type)


def audit_sessions(request, sessions: Iterable) -> None:
    """Sessions read over the API: a row for each individual session's client, the client a
    list was filtered by, and a client reading their own. The sessions are already scoped."""
    ids = {s.client_id for s in sessions if s.client_id is not None}
    wanted = request.query_params.get("client", "")
    if wanted.isdigit() and clients_visible_to(request.user).filter(pk=int(wanted)).exists():
        ids.add(int(wanted))
    person = person_of(request.user)
    own = Q(user=person, user__role=Role.CLIENT) if person is not None else Q(pk__in=[])
    clients = ClientProfile.objects.filter(Q(pk__in=ids) | own)
    access_record_list(actor=request.user, clients=list(clients), object_type="sessions.Session")


class AuditedListMixin:
    """A paginated list whose rows name clients: each client shown is audit-logged."""

    audit_object_type: str

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        audit_rows(request, page, self.audit_object_type)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
