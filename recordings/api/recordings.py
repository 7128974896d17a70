"""Recordings: list, read, start, stop, and playback links.

Reading needs the recordings:read scope for a key; starting, stopping and playing are a person's
acts (API keys are refused: a key cannot be present in a room nor play media). Nothing here
names anyone in a recording: segments give how many were in them.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from iop.api.list_cache import ListCacheMixin
from iop.api.models import Scope
from iop.api.params import MAX_ID, choice_param, id_param
from iop.api.views import READ_ERRORS, WRITE_ERRORS
from iop.domain import NotAllowed
from iop.viewer import api_key_of
from recordings import selectors, services
from recordings.models import Recording, RecordingPurpose, RecordingState
from sessions_app.selectors import sessions_visible_to


class RecordingSerializer(serializers.ModelSerializer):
    session = serializers.IntegerField(source="session_id")
    segment_count = serializers.IntegerField(help_text="Segments recorded so far.")

    class Meta:
        model = Recording
        fields = [
            "id",
            "uuid",
            "session",
            "purpose",
            "state",
            "started_at",
            "stopped_at",
            "purged_at",
            "legal_hold",
            "segment_count",
        ]


class SegmentSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    state = serializers.CharField()
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    participant_count = serializers.IntegerField(help_text="How many people were in it.")
    content_type = serializers.CharField()
    size = serializers.IntegerField(
        source="plaintext_size", allow_null=True, help_text="Bytes of media, once stored."
    )


class RecordingDetailSerializer(RecordingSerializer):
    segments = SegmentSerializer(many=True, source="segment_rows")

    class Meta(RecordingSerializer.Meta):
        fields = [*RecordingSerializer.Meta.fields, "segments"]


class RecordingStartSerializer(serializers.Serializer):
    session = serializers.PrimaryKeyRelatedField(
        queryset=sessions_visible_to(AnonymousUser()),  # none; the caller's, set in __init__
        error_messages={"does_not_exist": "No session with id {pk_value} is visible to you."},
        style={"base_template": "input.html"},
    )
    purpose = serializers.ChoiceField(choices=RecordingPurpose.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["session"].queryset = sessions_visible_to(request.user)


class PlaybackRequestSerializer(serializers.Serializer):
    purpose = serializers.ChoiceField(
        choices=RecordingPurpose.choices, help_text="Why it is played: checked and audited."
    )


class SegmentLinkSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    url = serializers.CharField(
        help_text="The media, for the same signed-in person, with HTTP Range; short-lived."
    )
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)


class WithheldSegmentSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    reason = serializers.CharField()
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)


class PlaybackLinkSerializer(serializers.Serializer):
    recording = serializers.IntegerField(source="recording.pk")
    purpose = serializers.CharField()
    expires_at = serializers.DateTimeField()
    segments = SegmentLinkSerializer(many=True)
    withheld = WithheldSegmentSerializer(many=True)


def _person_only(request, what: str) -> None:
    if api_key_of(request.user) is not None:
        raise NotAllowed(f"Only a person {what}.")


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("session", int, description="Only this session's recordings."),
            OpenApiParameter("state", str, enum=RecordingState.values),
            OpenApiParameter("purpose", str, enum=RecordingPurpose.values),
        ],
        responses={200: RecordingSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(responses={200: RecordingDetailSerializer, **READ_ERRORS}),
    create=extend_schema(
        request=RecordingStartSerializer,
        responses={201: RecordingSerializer, **WRITE_ERRORS},
        description="Start recording a session under way for a purpose: only its facilitators, "
        "and only while everyone present has agreed to that purpose (else 409 with the reason). "
        "API keys are refused (403).",
    ),
    stop=extend_schema(
        request=None,
        responses={200: RecordingSerializer, **WRITE_ERRORS},
        description="Stop a running or paused recording (409 when it is not running). "
        "API keys are refused (403).",
    ),
    playback=extend_schema(
        request=PlaybackRequestSerializer,
        responses={200: PlaybackLinkSerializer, **WRITE_ERRORS},
        description="Short-lived links to the segments the caller may play for the purpose, "
        "and those withheld with the reason. Each link is checked again at every request: a "
        "withdrawal of consent refuses the next one. 409 when nothing is stored (or purged). "
        "API keys are refused (403): only a person plays recordings.",
    ),
)
class RecordingViewSet(
    ListCacheMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = RecordingSerializer
    queryset = Recording.objects.none()
    lookup_value_regex = r"\d+"
    # Keys read; the person-only acts are refused to every key in the view (None: any key
    # reaches it, to be told why).
    required_scopes = {
        "list": Scope.RECORDINGS_READ,
        "retrieve": Scope.RECORDINGS_READ,
        "create": None,
        "stop": None,
        "playback": None,
    }

    def get_queryset(self) -> QuerySet[Recording]:
        rows = selectors.recordings_listed_for(self.request.user)
        session = id_param(self.request, "session")
        if session is not None:
            rows = rows.filter(session_id=session)
        state = choice_param(self.request, "state", RecordingState.values)
        if state:
            rows = rows.filter(state=state)
        purpose = choice_param(self.request, "purpose", RecordingPurpose.values)
        if purpose:
            rows = rows.filter(purpose=purpose)
        return rows

    def _recording(self) -> Recording:
        pk = int(self.kwargs["pk"]) if len(self.kwargs["pk"]) <= 19 else 0
        try:
            if not 0 < pk <= MAX_ID:
                raise Recording.DoesNotExist
            return selectors.recordings_listed_for(self.request.user).get(pk=pk)
        except Recording.DoesNotExist:
            raise NotFound("No such recording.") from None

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        selectors.recordings_read_record(request.user, page)
        return self.get_paginated_response(RecordingSerializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        recording = self._recording()
        selectors.recordings_read_record(request.user, [recording])
        recording.segment_rows = selectors.segments_of(recording)
        return Response(RecordingDetailSerializer(recording).data)

    def create(self, request, *args, **kwargs):
        _person_only(request, "starts a recording")
        if not request.user.is_clinical:
            raise NotAllowed("Only the session's facilitators start its recording.")
        data = RecordingStartSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        recording = services.recording_start(
            actor=request.user,
            session=data.validated_data["session"],
            purpose=data.validated_data["purpose"],
        )
        recording.segment_count = recording.segments.count()
        return Response(RecordingSerializer(recording).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def stop(self, request, pk=None):
        _person_only(request, "stops a recording")
        recording = services.recording_stop(actor=request.user, recording=self._recording())
        recording = self._recording()
        return Response(RecordingSerializer(recording).data)

    @action(detail=True, methods=["post"])
    def playback(self, request, pk=None):
        _person_only(request, "plays recordings")
        recording = self._recording()
        data = PlaybackRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            link = services.playback_link_create(
                actor=request.user, recording=recording, purpose=data.validated_data["purpose"]
            )
        except Recording.DoesNotExist:
            raise NotFound("No such recording.") from None
        body = PlaybackLinkSerializer(link).data
        for segment in body["segments"]:
            segment["url"] = request.build_absolute_uri(segment["url"])
        return Response(body)
