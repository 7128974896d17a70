"""Announcements in their window now, scoped like the banners: clients those for clients, staff
those for staff, an API key its program's (and the clinic-wide ones). No scope is needed:
announcements are not health information."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from iop.api.list_cache import ListCacheMixin
from iop.api.params import MAX_ID
from iop.api.views import READ_ERRORS
from support import selectors
from support.models import Announcement


class AnnouncementSerializer(serializers.ModelSerializer):
    program = serializers.IntegerField(source="program_id", allow_null=True)
    body_html = serializers.CharField(help_text="The body rendered from Markdown and sanitised.")
    dismissed = serializers.SerializerMethodField(
        help_text="The signed-in person dismissed its banner (always false for an API key)."
    )

    class Meta:
        model = Announcement
        fields = [
            "id",
            "title",
            "body",
            "body_html",
            "severity",
            "audience",
            "program",
            "shown_from",
            "shown_to",
            "happens_at",
            "dismissed",
        ]

    def get_dismissed(self, announcement: Announcement) -> bool:
        return announcement.pk in self.context.get("dismissed", set())


@extend_schema_view(
    list=extend_schema(responses={200: AnnouncementSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: AnnouncementSerializer, **READ_ERRORS}),
)
class AnnouncementViewSet(
    ListCacheMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = AnnouncementSerializer
    queryset = Announcement.objects.none()
    lookup_value_regex = r"\d+"
    required_scopes = {"list": None, "retrieve": None}

    def get_queryset(self) -> QuerySet[Announcement]:
        return selectors.announcements_visible_to(self.request.user).order_by("shown_from", "pk")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        dismissed = selectors.dismissed_ids_of(request.user, [a.pk for a in page or []])
        return self.get_paginated_response(
            AnnouncementSerializer(page, many=True, context={"dismissed": dismissed}).data
        )

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        pk = int(kwargs["pk"])
        try:
            if not 0 < pk <= MAX_ID:
                raise Announcement.DoesNotExist
            announcement = selectors.announcement_get_for(request.user, pk)
        except Announcement.DoesNotExist:
            raise NotFound("No such announcement.") from None
        dismissed = selectors.dismissed_ids_of(request.user, [announcement.pk])
        return Response(AnnouncementSerializer(announcement, context={"dismissed": dismissed}).data)
