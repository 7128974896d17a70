"""Treatment plans: list, read, start a draft, sign.

Scoped as the pages are: a client their own signed versions and the one shared with them, staff
the clients they may see, an API key (treatment_plans:read) its program's; support agents none.
Only people write: a draft is started by the client's care team or the program's supervisor,
a version is signed by the client or a clinician typing their full name. API keys are refused
(403) before the body is read, and so are clients and support agents starting a draft.
"""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from iop.api.list_cache import ListCacheMixin
from iop.api.models import Scope
from iop.api.params import choice_param, client_param
from iop.api.serializers import PersonRefSerializer, ScopedClientMixin, visible_client_field
from iop.api.views import READ_ERRORS, WRITE_ERRORS
from iop.audit.services import access_record_list
from iop.viewer import person_of
from records import selectors
from records.models import (
    PlanGoal,
    PlanIntervention,
    PlanObjective,
    PlanStatus,
    TreatmentPlan,
)
from records.services import treatment_plan_draft, treatment_plan_sign


class ObjectiveSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlanObjective
        fields = ["id", "position", "text", "target_date", "status"]


class GoalSerializer(serializers.ModelSerializer):
    objectives = ObjectiveSerializer(many=True)

    class Meta:
        model = PlanGoal
        fields = ["id", "position", "text", "objectives"]


class InterventionSerializer(serializers.ModelSerializer):
    responsible_clinician = PersonRefSerializer()

    class Meta:
        model = PlanIntervention
        fields = ["id", "position", "modality", "frequency", "responsible_clinician", "description"]


class SignatureSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The name the signer typed.")
    signed_at = serializers.DateTimeField()
    signed_by = serializers.IntegerField(help_text="The signer's user id.")


class TreatmentPlanSummarySerializer(serializers.ModelSerializer):
    """A version as lists show it: its text and signatures, without goals and interventions
    (read one version for those)."""

    client = serializers.IntegerField(source="client_id")
    clinician_signature = serializers.SerializerMethodField()
    client_signature = serializers.SerializerMethodField()

    class Meta:
        model = TreatmentPlan
        fields = [
            "id",
            "client",
            "version",
            "status",
            "level_of_care",
            "presenting_problems",
            "client_words",
            "client_comment",
            "change_note",
            "created_at",
            "shared_at",
            "clinician_signature",
            "client_signature",
        ]

    @staticmethod
    def _signature(name: str, at, by_id) -> dict | None:
        if at is None:
            return None
        return {"name": name, "signed_at": at, "signed_by": by_id}

    @extend_schema_field(SignatureSerializer(allow_null=True))
    def get_clinician_signature(self, plan: TreatmentPlan) -> dict | None:
        return self._signature(
            plan.clinician_signed_name, plan.clinician_signed_at, plan.clinician_signed_by_id
        )

    @extend_schema_field(SignatureSerializer(allow_null=True))
    def get_client_signature(self, plan: TreatmentPlan) -> dict | None:
        return self._signature(
            plan.client_signed_name, plan.client_signed_at, plan.client_signed_by_id
        )


class TreatmentPlanSerializer(TreatmentPlanSummarySerializer):
    """One version in full: goals with their objectives (target dates), interventions."""

    goals = GoalSerializer(many=True)
    interventions = InterventionSerializer(many=True)

    class Meta(TreatmentPlanSummarySerializer.Meta):
        fields = [*TreatmentPlanSummarySerializer.Meta.fields, "goals", "interventions"]


class DraftCreateSerializer(ScopedClientMixin, serializers.Serializer):
    client = visible_client_field()


class PlanSignSerializer(serializers.Serializer):
    typed_name = serializers.CharField(
        max_length=200, help_text="The signer's full name, as on their account."
    )


CLIENT_PARAM = OpenApiParameter("client", int, description="Only this client's versions.")
STATUS_PARAM = OpenApiParameter("status", str, enum=PlanStatus.values, description="Only these.")


@extend_schema_view(
    list=extend_schema(
        parameters=[CLIENT_PARAM, STATUS_PARAM],
        responses={200: TreatmentPlanSummarySerializer(many=True), **READ_ERRORS},
        description="Versions the caller may see, newest first per client (read one version "
        "for its goals, objectives and interventions).",
    ),
    retrieve=extend_schema(responses={200: TreatmentPlanSerializer, **READ_ERRORS}),
    create=extend_schema(
        request=DraftCreateSerializer,
        responses={201: TreatmentPlanSerializer, **WRITE_ERRORS},
        description="Start the client's next version, a copy of the signed one (the client's "
        "care team or the program's supervisor; 409 when a version is already open). Clients, "
        "support agents and API keys are refused (403).",
    ),
    sign=extend_schema(
        request=PlanSignSerializer,
        responses={200: TreatmentPlanSerializer, **WRITE_ERRORS},
        description="The client (a version shared with them) or a clinician of the care team "
        "signs by typing their full name; with both signatures the version is locked (409 on "
        "any later write). API keys are refused (403).",
    ),
)
class TreatmentPlanViewSet(
    ListCacheMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = TreatmentPlanSerializer
    queryset = TreatmentPlan.objects.none()
    lookup_value_regex = r"\d+"
    required_scopes = {"list": Scope.TREATMENT_PLANS_READ, "retrieve": Scope.TREATMENT_PLANS_READ}

    def get_queryset(self) -> QuerySet[TreatmentPlan]:
        rows = selectors.treatment_plans_visible_to(self.request.user).select_related("client")
        client = client_param(self.request)
        if client is not None:
            rows = rows.filter(client=client)
        wanted = choice_param(self.request, "status", PlanStatus.values)
        if wanted:
            rows = rows.filter(status=wanted)
        return rows.order_by("client_id", "-version")

    def _plan(self) -> TreatmentPlan:
        try:
            return selectors.treatment_plan_get_for(self.request.user, int(self.kwargs["pk"]))
        except TreatmentPlan.DoesNotExist:
            raise NotFound("No such treatment plan.") from None

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        access_record_list(
            actor=request.user,
            clients=[p.client for p in page],
            object_type="records.TreatmentPlan",
        )
        return self.get_paginated_response(TreatmentPlanSummarySerializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return Response(TreatmentPlanSerializer(self._plan()).data)

    def create(self, request, *args, **kwargs):
        person = person_of(request.user)
        if person is None or not person.is_clinical:
            raise PermissionDenied("Treatment plans are drafted by the client's care team.")
        data = DraftCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        draft = treatment_plan_draft(actor=request.user, client=data.validated_data["client"])
        found = selectors.treatment_plan_get_for(request.user, draft.pk, audit=False)
        return Response(TreatmentPlanSerializer(found).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        plan = self._plan()
        data = PlanSignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        treatment_plan_sign(
            actor=request.user, plan=plan, typed_name=data.validated_data["typed_name"]
        )
        found = selectors.treatment_plan_get_for(request.user, plan.pk, audit=False)
        return Response(TreatmentPlanSerializer(found).data)
