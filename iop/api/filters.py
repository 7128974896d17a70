"""django-filter's query parameters, read by the rule of `iop.api.params`.

A value that is not of the filter's type is a 400 naming the parameter (django-filter's own
check), and so is an empty value for a typed filter (`?date_to=`, `?group=`, `?kind=`), which
django-filter would otherwise take as "no filter" while the schema says it is a date, a number or
one of a set. A free-text filter (`CharFilter`, a plain string in the schema) keeps django-filter's
reading of an empty value: no filter, the same answer as leaving it out.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import django_filters
from django.db.models import QuerySet
from django_filters.fields import IsoDateTimeField
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


class InstantField(IsoDateTimeField):
    """An ISO 8601 date and time, given to the query in UTC.

    Python reads UTC offsets up to ±23:59, PostgreSQL only up to ±15:59: `+16:00` reached SQL as
    a DataError (a 500). In UTC every offset is fine. An instant that UTC would put outside the
    years 1 to 9999 (0001-01-01T00:00+01:00) lies before or after every stored one, and is read
    as the first or last instant there is.
    """

    def to_python(self, value: Any) -> datetime | None:
        instant: datetime | None = super().to_python(value)
        if instant is None:
            return None
        try:
            return instant.astimezone(UTC)
        except OverflowError:
            return (datetime.min if instant.year == 1 else datetime.max).replace(tzinfo=UTC)


class InstantFilter(django_filters.IsoDateTimeFilter):
    """A date-time filter (`starts_after`): any offset a caller may write, never a 500."""

    field_class = InstantField
