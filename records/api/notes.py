"""Session notes: list, read, start a draft, change it, sign it, add an addendum, co-sign.

Scoped as the pages are: a client their own signed notes (when their program allows), a
clinician their caseload's and their sessions', a supervisor their program's, an API key
(session_notes:read) its program's. Only clinical people write; API keys and clients are
refused (403) before the body is read. Group summaries are never served here.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from iop.accounts.models import ClientProfile
from iop.api.list_cache import ListCacheMixin
from iop.api.models import Scope
from iop.api.params import id_param
from iop.api.serializers import JsonIntegerField, PersonRefSerializer
from iop.api.views import READ_ERRORS, WRITE_ERRORS
from records import selectors, services
from records.models import NoteAddendum, SessionNote
from records.models.notes import ADDENDUM_MAX, REASON_MAX, SECTION_MAX
from records.services.note_review import require_may_cosign
from records.services.notes import require_may_write_notes, require_note_author


class AddendumSerializer(serializers.ModelSerializer):
    author = PersonRefSerializer()

    class Meta:
        model = NoteAddendum
        fields = ["id", "author", "written_at", "reason", "text"]


class SessionNoteSerializer(serializers.ModelSerializer):
    session = serializers.IntegerField(source="session_id")
    client = serializers.IntegerField(source="client_id")
    author = PersonRefSerializer()
    signed_by = PersonRefSerializer(allow_null=True)
    cosigned_by = PersonRefSerializer(allow_null=True)
    objectives = serializers.SerializerMethodField(help_text="Plan objectives addressed.")
    addenda = serializers.SerializerMethodField()

    class Meta:
        model = SessionNote
        fields = [
            "id",
            "session",
            "client",
            "author",
            "note_format",
            "attendance_status",
            "minutes_attended",
            "data",
            "subjective",
            "objective",
            "assessment",
            "plan",
            "objectives",
            "created_at",
            "updated_at",
            "signed_by",
            "signed_name",
            "signed_at",
            "needs_cosign",
            "cosigned_by",
            "cosigned_at",
            "addenda",
        ]

    def get_objectives(self, note: SessionNote) -> list[int]:
        ids = getattr(note, "objective_ids", None)
        return sorted(ids if ids is not None else selectors.objectives_of(note))

    def get_addenda(self, note: SessionNote) -> list[dict[str, Any]]:
        return [AddendumSerializer(a).data for a in note.addenda.all()]


def _section() -> serializers.CharField:
    return serializers.CharField(required=False, allow_blank=True, max_length=SECTION_MAX)


class NoteWriteSerializer(serializers.Serializer):
    data = _section()  # type: ignore[assignment] # a DAP section; DRF pops declared fields
    subjective = _section()
    objective = _section()
    assessment = _section()
    plan = _section()
    objectives = serializers.ListField(
        child=JsonIntegerField(min_value=1),
        required=False,
        max_length=50,
        help_text="Ids of the client's treatment plan objectives this session addressed.",
    )

    def sections(self) -> dict[str, str]:
        names = ("data", "subjective", "objective", "assessment", "plan")
        return {n: self.validated_data[n] for n in names if n in self.validated_data}


class NoteCreateSerializer(NoteWriteSerializer):
    session = JsonIntegerField(min_value=1, help_text="The session the client attended.")
    client = JsonIntegerField(min_value=1)


class NoteSignSerializer(serializers.Serializer):
    typed_name = serializers.CharField(max_length=200, help_text="The signer's full name.")


class AddendumCreateSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_MAX, help_text="Why the addendum is added.")
    text = serializers.CharField(max_length=ADDENDUM_MAX)


FILTERS = [
    OpenApiParameter("client", int, description="Only this client's notes."),
    OpenApiParameter("session", int, description="Only this session's notes."),
]


@extend_schema_view(
    list=extend_schema(
        parameters=FILTERS,
        responses={200: SessionNoteSerializer(many=True), **READ_ERRORS},
        description="Notes the caller may see, newest first. A client sees their own signed "
        "notes when their program allows it; never a draft, a group summary or another's note.",
    ),
    retrieve=extend_schema(responses={200: SessionNoteSerializer, **READ_ERRORS}),
    create=extend_schema(
        request=NoteCreateSerializer,
        responses={201: SessionNoteSerializer, **WRITE_ERRORS},
        description="A facilitator of the session or a clinician of the client's care team "
        "starts the draft note of a client who attended; attendance and minutes are copied "
        "from the attendance record. Sections follow the program's format (DAP or SOAP).",
    ),
    partial_update=extend_schema(
        request=NoteWriteSerializer,
        responses={200: SessionNoteSerializer, **WRITE_ERRORS},
        description="The author changes their draft. A signed note is locked: 409, whose "
        "message names the addendum route.",
    ),
    sign=extend_schema(
        request=NoteSignSerializer,
        responses={200: SessionNoteSerializer, **WRITE_ERRORS},
        description="The author signs with their typed full name; the note is then locked. "
        "Someone else's note: 403.",
    ),
    addendum=extend_schema(
        request=AddendumCreateSerializer,
        responses={201: AddendumSerializer, **WRITE_ERRORS},
        description="Add an addendum (who, when, why) to a signed note; a draft: 409.",
    ),
    cosign=extend_schema(
        request=NoteSignSerializer,
        responses={200: SessionNoteSerializer, **WRITE_ERRORS},
        description="A supervisor of the client's program co-signs a signed note whose author "
        "needs co-signature.",
    ),
)
class SessionNoteViewSet(
    ListCacheMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = SessionNoteSerializer
    queryset = SessionNote.objects.none()
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]
    # Writes name no scope: an API key never writes a note (a clinician signs it).
    required_scopes = {"list": Scope.SESSION_NOTES_READ, "retrieve": Scope.SESSION_NOTES_READ}

    def get_queryset(self) -> QuerySet[SessionNote]:
        rows = selectors.with_objective_ids(
            selectors.notes_visible_to(self.request.user)
        ).prefetch_related(
            Prefetch("addenda", queryset=NoteAddendum.objects.select_related("author"))
        )
        client_id = id_param(self.request, "client")
        if client_id is not None:
            rows = rows.filter(client_id=client_id)
        session_id = id_param(self.request, "session")
        if session_id is not None:
            rows = rows.filter(session_id=session_id)
        return rows.order_by("-created_at", "-id")

    def _note(self, *, audit: bool = True) -> SessionNote:
        try:
            return selectors.note_get_for(self.request.user, int(self.kwargs["pk"]), audit=audit)
        except SessionNote.DoesNotExist:
            raise NotFound("No such session note.") from None

    def _answer(self, note: SessionNote, code: int = status.HTTP_200_OK) -> Response:
        found = selectors.with_objective_ids(selectors.notes_visible_to(self.request.user)).get(
            pk=note.pk
        )
        return Response(SessionNoteSerializer(found).data, status=code)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        selectors.note_list_audit(request.user, page)
        return self.get_paginated_response(SessionNoteSerializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return Response(SessionNoteSerializer(self._note()).data)

    def create(self, request, *args, **kwargs):
        require_may_write_notes(request.user)
        data = NoteCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        session_id, client_id = data.validated_data["session"], data.validated_data["client"]
        try:
            client = selectors.note_client_for(request.user, client_id, session_id)
        except ClientProfile.DoesNotExist:
            raise serializers.ValidationError(
                {"client": [f"No client with id {client_id} is visible to you."]}
            ) from None
        note = services.note_draft_create(
            actor=request.user,
            client=client,
            session_id=session_id,
            sections=data.sections(),
            objectives=data.validated_data.get("objectives"),
        )
        return self._answer(note, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        require_may_write_notes(request.user)
        note = self._note(audit=False)
        data = NoteWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        note = services.note_draft_update(
            actor=request.user,
            note=note,
            sections=data.sections(),
            objectives=data.validated_data.get("objectives"),
        )
        return self._answer(note)

    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        require_may_write_notes(request.user)
        note = self._note(audit=False)
        require_note_author(request.user, note)
        data = NoteSignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        note = services.note_sign(
            actor=request.user, note=note, typed_name=data.validated_data["typed_name"]
        )
        return self._answer(note)

    @action(detail=True, methods=["post"])
    def addendum(self, request, pk=None):
        require_may_write_notes(request.user)
        note = self._note(audit=False)
        data = AddendumCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        addendum = services.note_addendum_add(
            actor=request.user,
            note=note,
            reason=data.validated_data["reason"],
            text=data.validated_data["text"],
        )
        return Response(AddendumSerializer(addendum).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def cosign(self, request, pk=None):
        require_may_cosign(request.user)
        note = self._note(audit=False)
        data = NoteSignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        note = services.note_cosign(
            actor=request.user, note=note, typed_name=data.validated_data["typed_name"]
        )
        return self._answer(note)
