"""Treatment plan reviews: due a program's plan_review_days after signing and after every
resolved crisis; timer rows remind the primary clinician, then (overdue) the supervisors."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from iop.accounts.models import ClientProfile, Role, User
from iop.accounts.selectors import primary_clinician_of
from iop.audit.models import Action
from iop.audit.services import access_record
from iop.domain import Conflict, DomainError
from iop.notify.models import Channel, Purpose
from iop.notify.services.outbox import message_enqueue_many
from iop.realtime.publish import publish_about_client
from iop.viewer import Actor
from records.models import (
    ObjectiveReview,
    ObjectiveStatus,
    PlanObjective,
    PlanReview,
    PlanStatus,
    ReviewReason,
    TreatmentPlan,
)
from records.selectors.settings import record_settings_for

SUMMARY_MAX = 4000
MARKS = (ObjectiveStatus.MET, ObjectiveStatus.PROGRESSING, ObjectiveStatus.NOT_MET)


def _schedule_next(*, client: ClientProfile, plan: TreatmentPlan | None, after: datetime) -> None:
    """The next scheduled review, unless one is open already (one at a time per client)."""
    if PlanReview.objects.filter(
        client=client, reason=ReviewReason.SCHEDULED, completed_at__isnull=True
    ).exists():
        return
    due = after + timedelta(days=record_settings_for(client.program_id).plan_review_days)
    PlanReview.objects.create(
        client=client, plan=plan, reason=ReviewReason.SCHEDULED, due_at=due, next_action_at=due
    )


def _reviews_close_for_signing(*, actor: Actor, plan: TreatmentPlan, at: datetime) -> None:
    """Inside treatment_plan_sign: a newly signed version answers the reviews that were open
    (the plan was revised), and the next scheduled review counts from now."""
    open_reviews = list(
        PlanReview.objects.select_for_update().filter(client=plan.client, completed_at__isnull=True)
    )
    for review in open_reviews:
        review.completed_at, review.next_action_at = at, None
        review.plan = review.plan or plan
        review.summary = f"Answered by signing version {plan.version} of the plan."
        review.save(update_fields=["completed_at", "next_action_at", "plan", "summary"])
        access_record(
            actor=actor,
            action=Action.UPDATE,
            client=plan.client,
            obj=review,
            detail="closed by signing",
        )
    _schedule_next(client=plan.client, plan=plan, after=at)


def plan_review_after_crisis(
    *, actor: Actor, client: ClientProfile, event_id: int, resolved_at: datetime
) -> PlanReview:
    """A resolved crisis makes the client's plan due for review (once per crisis). Registered
    with crisis' resolution listeners; runs inside crisis_resolve's transaction."""
    plan = TreatmentPlan.objects.filter(client=client, status=PlanStatus.SIGNED).first()
    due = resolved_at + timedelta(days=settings.RECORDS_PLAN_REVIEW_AFTER_CRISIS_DAYS)
    review, created = PlanReview.objects.get_or_create(
        crisis_event_id=event_id,
        defaults={
            "client": client,
            "plan": plan,
            "reason": ReviewReason.AFTER_CRISIS,
            "due_at": due,
            "next_action_at": due,
        },
    )
    if created:
        access_record(
            actor=None,
            action=Action.CREATE,
            client=client,
            obj=review,
            detail=f"after crisis #{event_id}",
        )
    return review


def plan_review_complete(
    *, actor: Actor, review: PlanReview, marks: Mapping[int, str], summary: str = ""
) -> PlanReview:
    """The care team reviews the signed plan: each objective marked met, progressing or not
    met (who and when recorded); the review is done and the next one scheduled."""
    from records.services.plans import require_plan_writer

    person = require_plan_writer(actor, review.client)
    summary = (summary or "").strip()
    errors: dict[str, list[str]] = {}
    if len(summary) > SUMMARY_MAX:
        errors["summary"] = [f"Keep the summary under {SUMMARY_MAX} characters."]
    plan = TreatmentPlan.objects.filter(client=review.client, status=PlanStatus.SIGNED).first()
    objectives = {o.pk: o for o in PlanObjective.objects.filter(goal__plan=plan)} if plan else {}
    for objective_id, status in marks.items():
        if objective_id not in objectives:
            errors[f"marks.{objective_id}"] = ["No such objective in the client's signed plan."]
        elif status not in MARKS:
            errors[f"marks.{objective_id}"] = [f"Choose one of: {', '.join(MARKS)}."]
    for objective_id in objectives:
        if objective_id not in marks:
            errors[f"marks.{objective_id}"] = ["Mark this objective met, progressing or not met."]
    if errors:
        raise DomainError("Check the review: some objectives need a mark.", fields=errors)
    with transaction.atomic():
        review = PlanReview.objects.select_for_update().select_related("client").get(pk=review.pk)
        if review.completed_at is not None:
            raise Conflict(
                "This review is already done.", fields={"completed_at": ["Already done."]}
            )
        now = timezone.now()
        ObjectiveReview.objects.bulk_create(
            ObjectiveReview(
                review=review,
                objective=objectives[objective_id],
                status=status,
                reviewed_by=person,
                reviewed_at=now,
            )
            for objective_id, status in sorted(marks.items())
        )
        review.plan = plan
        review.completed_at, review.completed_by, review.next_action_at = now, person, None
        review.summary = summary
        review.save()
        access_record(
            actor=actor,
            action=Action.UPDATE,
            client=review.client,
            obj=review,
            detail=f"reviewed {len(marks)} objectives",
        )
        _schedule_next(client=review.client, plan=plan, after=now)
    return review


def plan_review_tick(*, now: datetime | None = None, batch: int = 50) -> int:
    """Due reviews remind the primary clinician; still open after the overdue period, the
    program's supervisors. Claimed with SKIP LOCKED, so ticks side by side never tell twice."""
    handled = 0
    while True:
        with transaction.atomic():
            at = now or timezone.now()
            due = list(
                PlanReview.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("client__user")
                .filter(completed_at__isnull=True, next_action_at__lte=at)
                .order_by("next_action_at", "pk")[:batch]
            )
            for review in due:
                _fire(review, at)
            handled += len(due)
        if len(due) < batch:
            return handled


def _supervisors(program_id: int) -> list[User]:
    return list(
        User.objects.filter(
            role=Role.SUPERVISOR, is_active=True, staff_profile__program_id=program_id
        ).order_by("pk")
    )


def _fire(review: PlanReview, at: datetime) -> None:
    client = review.client
    name = client.user.display_name
    if review.reminded_at is None:
        clinician = primary_clinician_of(client)
        people = [clinician] if clinician else _supervisors(client.program_id)
        _tell(people, review, whom="clinician", text=f"Treatment plan review due for {name}.")
        review.reminded_at = at
        review.next_action_at = review.due_at + timedelta(
            days=settings.RECORDS_PLAN_REVIEW_OVERDUE_DAYS
        )
        detail = f"review due: reminded {len(people)}"
    else:
        people = _supervisors(client.program_id)
        _tell(
            people,
            review,
            whom="supervisor",
            text=f"OVERDUE treatment plan review for {name} (due {review.due_at:%Y-%m-%d}).",
        )
        review.escalated_at, review.next_action_at = at, None
        detail = f"review overdue: supervisors told ({len(people)})"
    review.save(update_fields=["reminded_at", "escalated_at", "next_action_at"])
    access_record(actor=None, action=Action.UPDATE, client=client, obj=review, detail=detail)


def _tell(people: list[User], review: PlanReview, *, whom: str, text: str) -> None:
    path = reverse("records_staff:plan", args=[review.client_id])
    specs = []
    for person in people:
        base = {"actor": None, "purpose": Purpose.REMINDER, "user": person, "about": review}
        specs.append(
            {
                **base,
                "channel": Channel.FEED,
                "idempotency_key": f"records:review:{review.pk}:{whom}:feed:{person.pk}",
                "body": text,
            }
        )
        if person.email:
            specs.append(
                {
                    **base,
                    "channel": Channel.EMAIL,
                    "idempotency_key": f"records:review:{review.pk}:{whom}:email:{person.pk}",
                    "subject": "A treatment plan review is due",
                    "body": f"{text}\n\n{settings.PUBLIC_BASE_URL}{path}",
                }
            )
    if specs:
        message_enqueue_many(specs)
    if people:
        publish_about_client(
            "records.review_overdue" if whom == "supervisor" else "records.review_due",
            {"title": text, "review_id": review.pk, "url": path},
            client_id=review.client_id,
            user_ids=[p.pk for p in people],
        )
