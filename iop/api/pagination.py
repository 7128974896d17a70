"""Pages of every list endpoint: `?page=` is a whole number from 1 and `?page_size=` one from 1 to
MAX_PAGE_SIZE (default PAGE_SIZE, 50); anything else is a 400 naming the parameter."""

from __future__ import annotations

from typing import Any

from rest_framework import pagination
from rest_framework.request import Request
from rest_framework.views import APIView

from iop.api.params import id_param, whole_number_param

# The most rows one page may carry; a larger page_size is a 400 rather than silently cut.
MAX_PAGE_SIZE = 100


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_number(self, request: Request, paginator: Any) -> int:
        # The number as read here: a page past the last stays a 404.
        return id_param(request, self.page_query_param) or 1

    def get_page_size(self, request: Request) -> int | None:
        size = whole_number_param(request, self.page_size_query_param, low=1, high=MAX_PAGE_SIZE)
        return self.page_size if size is None else size

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
                parameter["description"] = "A page number from 1; anything else is a 400."
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": MAX_PAGE_SIZE,
                    "default": self.page_size,
                }
                parameter["description"] = (
                    f"Rows per page, from 1 to {MAX_PAGE_SIZE} (default {self.page_size}); "
                    "anything else is a 400."
                )
        return parameters
