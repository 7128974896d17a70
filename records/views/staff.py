"""The staff side of the clinical record: plans, session notes, hours."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_http_methods

from iop.accounts.decorators import staff_required
from iop.accounts.models import ClientProfile
from iop.accounts.selectors import client_get_for
from iop.domain import NotAllowed, NotFound
from records.services import record_export
from records.services.export import require_may_export


@staff_required
@require_http_methods(["GET", "POST"])
def client_record_export(request, client_id: int):
    """The client's signed plan versions and signed notes as one PDF download (an EXPORT row)."""
    try:
        require_may_export(request.user)
        client = client_get_for(request.user, client_id, audit=False)  # the export audits
        exported = record_export(actor=request.user, client=client)
    except NotAllowed as error:
        raise PermissionDenied(error.message) from None
    except (ClientProfile.DoesNotExist, NotFound):
        raise Http404("No such client in your caseload.") from None
    response = HttpResponse(exported.content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    response["Cache-Control"] = "no-store"
    return response
