"""Weekly treatment hours: one item per client, this week and the 4 before (or the 5 weeks
ending with `?week=`), against the program's minimum and maximum.

Scoped as the pages are: a client their own, a clinician their caseload, a supervisor their
program, an API key (hours:read) its program; support agents see none. Read only.
"""

from __future__ import annotations

from datetime import date

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from iop.accounts.models import ClientProfile
from iop.accounts.selectors import clients_visible_to
from iop.api.list_cache import ListCacheMixin
from iop.api.models import Scope
from iop.api.params import client_param, empty_message
from iop.api.views import READ_ERRORS
from records.selectors.hours import WITH_RULES, weekly_hours_for
from records.weeks import parse_week


class WeekHoursSerializer(serializers.Serializer):
    week_starts_on = serializers.DateField(source="starts_on", help_text="The week's Monday.")
    minutes = serializers.IntegerField(help_text="Minutes attended in sessions starting that week.")
    hours = serializers.DecimalField(max_digits=5, decimal_places=1, coerce_to_string=False)
    below_minimum = serializers.BooleanField()
    above_maximum = serializers.BooleanField()


class ClientHoursSerializer(serializers.Serializer):
    client = serializers.IntegerField(source="client.pk")
    minimum_hours = serializers.DecimalField(
        source="rule.minimum", max_digits=4, decimal_places=1, coerce_to_string=False
    )
    maximum_hours = serializers.DecimalField(
        source="rule.maximum",
        max_digits=4,
        decimal_places=1,
        coerce_to_string=False,
        allow_null=True,
        help_text="None: the program sets no maximum.",
    )
    weeks = WeekHoursSerializer(
        many=True, help_text="Oldest first; the last is the week asked for."
    )


def week_param(request: Request) -> date | None:
    """`?week=`: a date, as its week's Monday; a 400 naming it otherwise."""
    raw = request.query_params.get("week")
    if raw is None:
        return None
    if raw == "":
        raise ValidationError({"week": [empty_message("week")]})
    try:
        return parse_week(raw)
    except ValueError as error:
        raise ValidationError({"week": [str(error)]}) from None


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("client", int, description="Only this client's hours."),
            OpenApiParameter(
                "week",
                OpenApiTypes.DATE,
                description="Any day of the last week to show (YYYY-MM-DD, program time); "
                "default this week.",
            ),
        ],
        responses={200: ClientHoursSerializer(many=True), **READ_ERRORS},
        description="Each client's attended hours per week (Monday to Sunday in the program's "
        "time zone), this week and the 4 before, against the program's weekly minimum.",
    ),
)
class AttendanceHoursViewSet(ListCacheMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = ClientHoursSerializer
    queryset = ClientProfile.objects.none()
    required_scopes = {"list": Scope.HOURS_READ}

    def list(self, request, *args, **kwargs):
        week = week_param(request)
        client = client_param(request)
        rows = (
            clients_visible_to(request.user)
            .select_related(*WITH_RULES)
            .order_by("user__full_name", "pk")
        )
        if client is not None:
            rows = rows.filter(pk=client.pk)
        page = self.paginate_queryset(rows)
        found = weekly_hours_for(request.user, page, week=week)
        return self.get_paginated_response(ClientHoursSerializer(found, many=True).data)
