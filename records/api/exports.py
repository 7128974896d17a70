"""A client's signed record as one PDF, for a records request: GET /api/v1/record-exports/{id}/.

Who may: the client's care team, their program's supervisors, administrators, and the
program's API keys holding records:export. Clients and support agents are refused before the
lookup (403); a client outside the caller's view does not exist (404). The answer is the PDF
itself (never cached); every error is the API's JSON error shape, whatever the Accept header.
"""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from iop.accounts.selectors import client_get_for
from iop.api.models import Scope
from iop.api.views import READ_ERRORS
from records.services import record_export
from records.services.export import require_may_export


class PdfRenderer(BaseRenderer):
    """Lets a caller ask for `Accept: application/pdf`; the PDF itself is returned as is."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


PDF = OpenApiResponse(
    response=OpenApiTypes.BINARY,
    description="The client's signed treatment plan versions and signed individual session "
    "notes as one PDF (Content-Disposition: attachment). The export is audited.",
)


class RecordExportView(APIView):
    """Export one client's signed plans and notes as a PDF (audited as an export)."""

    required_scopes = {"get": Scope.RECORDS_EXPORT}
    renderer_classes = [JSONRenderer, PdfRenderer]

    @extend_schema(
        operation_id="record_exports_retrieve",
        parameters=[
            OpenApiParameter(
                "client_id", int, OpenApiParameter.PATH, description="The client's id."
            )
        ],
        responses={
            (200, "application/pdf"): PDF,
            **{(status, "application/json"): body for status, body in READ_ERRORS.items()},
        },
    )
    def get(self, request, client_id: int):
        require_may_export(request.user)
        client = client_get_for(request.user, client_id, audit=False)  # the export audits
        exported = record_export(actor=request.user, client=client)
        response = HttpResponse(exported.content, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
        response["Cache-Control"] = "no-store"
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        if isinstance(response, Response):  # an error: always the JSON error shape
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)
