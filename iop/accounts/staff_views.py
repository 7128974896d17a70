"""The staff dashboard: caseload, a client's record, and who looked at it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from iop import slots
from iop.accounts.decorators import staff_required
from iop.accounts.models import ClientProfile, Role
from iop.accounts.selectors import (
    care_team_of,
    client_get_for,
    clients_visible_to,
    emergency_contacts_for,
)
from iop.audit.selectors import access_log_for
from iop.audit.services import access_record_list
from iop.consents.selectors import consent_states


@staff_required
def dashboard(request):
    user = request.user
    clients = []
    # An app may draw the caseload itself (slots.STAFF_CASELOAD); then the plain table is not
    # read here.
    if user.is_clinical and not slots.panels_for(slots.STAFF_CASELOAD):
        clients = list(
            clients_visible_to(user)
            .prefetch_related("care_team__clinician")
            .order_by("user__full_name")[:200]
        )
        access_record_list(actor=user, clients=clients, object_type="caseload")
    return render(request, "staff/dashboard.html", {"clients": clients})


def _client_or_404(viewer, client_id: int) -> ClientProfile:
    try:
        return client_get_for(viewer, client_id)
    except ClientProfile.DoesNotExist:
        raise Http404("No such client in your caseload.") from None


@staff_required
def client_record(request, client_id: int):
    client = _client_or_404(request.user, client_id)
    return render(
        request,
        "staff/client_record.html",
        {
            "client": client,
            "care_team": care_team_of(client),
            "contacts": emergency_contacts_for(request.user, client),
            "consents": consent_states(client),
            "can_see_access_log": request.user.role in (Role.SUPERVISOR, Role.ADMIN),
        },
    )


@staff_required
def client_access_log(request, client_id: int):
    """Supervisors see who looked at a client's record (and when, and how)."""
    if request.user.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise PermissionDenied("Only supervisors can see who looked at a record.")
    client = _client_or_404(request.user, client_id)
    rows = access_log_for(request.user, client)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "staff/access_log.html", {"client": client, "page": page})
