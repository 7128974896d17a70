"""django-filter's query parameters, read by the rule of `iop.api.params`.

A value that is not of the filter's type is a 400 naming the parameter (django-filter's own
check), and so is an empty value for a typed filter (`?date_to=`, `?group=`, `?kind=`), which
django-filter would otherwise take as "no filter" while the schema says it is a date, a number or
one of a set. A free-text filter (`CharFilter`, a plain string in the schema) keeps django-filter's
reading of an empty value: no filter, the same answer as leaving it out.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.views import APIView

from iop.api.params import empty_message


class FilterBackend(DjangoFilterBackend):
    """REST_FRAMEWORK's DEFAULT_FILTER_BACKENDS: django-filter, with empty typed values a 400."""

    def get_filterset(
        self, request: Request, queryset: QuerySet[Any], view: APIView
    ) -> django_filters.FilterSet | None:
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            empty = {
                name: [empty_message(name)]
                for name, filter_ in filterset.filters.items()
                if not isinstance(filter_, django_filters.CharFilter)
                and request.query_params.get(name) == ""
            }
            if empty:
                raise ValidationError(empty)
        return filterset
