"""Pages of every list endpoint: `?page=` is a whole number from 1, or a 400 naming it."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import pagination
from rest_framework.request import Request
from rest_framework.views import APIView

from iop.api.params import id_param


class PageNumberPagination(pagination.PageNumberPagination):
    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: APIView | None = None
    ) -> list[Any] | None:
        # Lists (a selector's already-audited rows) page the same way; the stubs say QuerySet.
        id_param(request, self.page_query_param)  # a page past the last stays a 404
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
                parameter["description"] = "A page number from 1; anything else is a 400."
        return parameters
