"""Reads of treatment plan reviews (what is due, for whom), scoped to the viewer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from iop.accounts.models import ClientProfile, Role
from iop.accounts.selectors import clients_visible_to
from iop.audit.services import access_record_list
from iop.viewer import Viewer, person_of
from records.models import PlanReview

DUE_SHOWN = 20


def plan_reviews_visible_to(viewer: Viewer) -> QuerySet[PlanReview]:
    """Reviews of the clients the viewer may see, for staff only (clients see their plan)."""
    person = person_of(viewer)
    if person is None or not person.is_clinical:
        return PlanReview.objects.none()
    return PlanReview.objects.filter(client__in=clients_visible_to(viewer).values("pk"))


def plan_review_get_for(viewer: Viewer, review_id: int) -> PlanReview:
    """One review the viewer may see (else PlanReview.DoesNotExist)."""
    return plan_reviews_visible_to(viewer).select_related("client__user").get(pk=review_id)


def plan_reviews_open_for(viewer: Viewer, client: ClientProfile) -> list[PlanReview]:
    """The client's open reviews, soonest due first."""
    return list(
        plan_reviews_visible_to(viewer)
        .filter(client=client, completed_at__isnull=True)
        .order_by("due_at", "pk")
    )


@dataclass(frozen=True)
class ReviewsDue:
    """The dashboard's panel: reviews due of the viewer's caseload, and (supervisors) the
    program's overdue ones."""

    due: list[PlanReview]
    overdue: list[PlanReview]


def plan_reviews_due_for(viewer: Viewer) -> ReviewsDue:
    person = person_of(viewer)
    if person is None or not person.is_clinical:
        return ReviewsDue([], [])
    now = timezone.now()
    open_due = (
        plan_reviews_visible_to(viewer)
        .filter(completed_at__isnull=True, due_at__lte=now)
        .select_related("client__user")
        .order_by("due_at", "pk")
    )
    due = list(open_due.filter(client__care_team__clinician=person)[:DUE_SHOWN])
    overdue: list[PlanReview] = []
    if person.role in (Role.SUPERVISOR, Role.ADMIN):
        limit = now - timedelta(days=settings.RECORDS_PLAN_REVIEW_OVERDUE_DAYS)
        overdue = list(
            open_due.filter(Q(escalated_at__isnull=False) | Q(due_at__lte=limit))[:DUE_SHOWN]
        )
    access_record_list(
        actor=viewer,
        clients=list({r.client_id: r.client for r in due + overdue}.values()),
        object_type="records.PlanReview",
    )
    return ReviewsDue(due, overdue)
