"""Plan reviews are timer rows: due plan_review_days after signing and after every resolved
crisis; the tick reminds the primary clinician, then (overdue) the supervisors; a review marks
each objective and schedules the next."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from crisis.models import CrisisSource
from crisis.services import (
    crisis_open,
    crisis_resolve,
    resolution_listener_register,
    resolution_listener_unregister,
)
from iop.audit.models import AccessLog
from iop.domain import Conflict, DomainError, NotAllowed
from iop.notify.models import Channel, OutboundMessage
from records.models import ObjectiveReview, PlanReview, ReviewReason
from records.selectors import objective_marks_of, plan_reviews_due_for
from records.services import plan_review_complete, plan_review_tick, record_settings_update
from tests.records.plan_helpers import signed_plan

pytestmark = pytest.mark.django_db
START = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


def _told(person, whom: str) -> set[str]:
    return {
        m.channel
        for m in OutboundMessage.objects.filter(user=person)
        if "records:review:" in m.idempotency_key and f":{whom}:" in m.idempotency_key
    }


def _resolve_a_crisis(client, clinician):
    event, _ = crisis_open(actor=clinician, client=client, source=CrisisSource.CLINICIAN)
    return crisis_resolve(actor=clinician, event=event, disposition="de_escalated")


def test_a_resolved_crisis_makes_a_review_due_that_reminds_then_escalates(
    client_profile, clinician, supervisor, other_clinician, settings
):
    settings.RECORDS_PLAN_REVIEW_AFTER_CRISIS_DAYS = 3
    settings.RECORDS_PLAN_REVIEW_OVERDUE_DAYS = 7
    with time_machine.travel(START, tick=False) as clock:
        signed_plan(client_profile, clinician)
        event = _resolve_a_crisis(client_profile, clinician)
        review = PlanReview.objects.get(reason=ReviewReason.AFTER_CRISIS)
        assert review.crisis_event_id == event.pk and review.client == client_profile
        assert review.due_at == START + timedelta(days=3)
        clock.move_to(START + timedelta(days=3) - timedelta(seconds=1))
        assert plan_review_tick() == 0
        clock.move_to(START + timedelta(days=3))
        assert plan_review_tick() == 1
        assert plan_review_tick() == 0
        assert _told(clinician, "clinician") == {Channel.FEED, Channel.EMAIL}
        assert _told(supervisor, "supervisor") == set()
        assert _told(other_clinician, "clinician") == set()
        assert [r.pk for r in plan_reviews_due_for(clinician).due] == [review.pk]
        assert plan_reviews_due_for(supervisor).overdue == []
        clock.move_to(START + timedelta(days=10) - timedelta(seconds=1))
        assert plan_review_tick() == 0
        clock.move_to(START + timedelta(days=10))
        assert plan_review_tick() == 1
        assert _told(supervisor, "supervisor") == {Channel.FEED, Channel.EMAIL}
        assert [r.pk for r in plan_reviews_due_for(supervisor).overdue] == [review.pk]
        clock.move_to(START + timedelta(days=40))
        assert plan_review_tick() == 1  # the scheduled review (30 days after signing) only
    review.refresh_from_db()
    assert review.escalated_at == START + timedelta(days=10) and review.next_action_at is None
    assert AccessLog.objects.filter(
        object_type="records.PlanReview", object_id=str(review.pk), detail__contains="overdue"
    ).exists()
    # Reminders name no health information.
    assert all("Panic" not in m.body for m in OutboundMessage.objects.filter(user=supervisor))


def test_every_resolved_crisis_makes_its_own_review_even_without_a_plan(client_profile, clinician):
    _resolve_a_crisis(client_profile, clinician)
    _resolve_a_crisis(client_profile, clinician)
    reviews = PlanReview.objects.filter(client=client_profile, reason=ReviewReason.AFTER_CRISIS)
    assert reviews.count() == 2 and {r.plan for r in reviews} == {None}


def test_a_broken_listener_never_stops_a_crisis_resolving(client_profile, clinician):
    def broken(**_kwargs):
        raise RuntimeError("listener bug")

    resolution_listener_register("tests.broken", broken)
    try:
        event = _resolve_a_crisis(client_profile, clinician)
    finally:
        resolution_listener_unregister("tests.broken")
    assert event.state == "resolved"
    assert PlanReview.objects.filter(crisis_event_id=event.pk).exists()


def test_signing_schedules_a_review_after_the_programs_interval(
    client_profile, clinician, supervisor, program
):
    record_settings_update(actor=supervisor, program=program, plan_review_days=14)
    with time_machine.travel(START, tick=False):
        signed_plan(client_profile, clinician)
    review = PlanReview.objects.get(client=client_profile)
    assert review.reason == ReviewReason.SCHEDULED
    assert review.due_at == START + timedelta(days=14) == review.next_action_at


def test_a_review_marks_each_objective_and_schedules_the_next(client_profile, clinician):
    with time_machine.travel(START, tick=False) as clock:
        plan = signed_plan(client_profile, clinician)
        review = PlanReview.objects.get(client=client_profile)
        first, second = [o for g in plan.goals.all() for o in g.objectives.all()]
        clock.move_to(START + timedelta(days=30))
        plan_review_complete(
            actor=clinician,
            review=review,
            marks={first.pk: "met", second.pk: "progressing"},
            summary="Going well.",
        )
    review.refresh_from_db()
    assert review.completed_by == clinician and review.completed_at == START + timedelta(days=30)
    marks = objective_marks_of(plan)
    assert marks[first.pk].status == "met" and marks[second.pk].status == "progressing"
    assert marks[first.pk].reviewed_by == clinician
    # The signed version's own text and rows are untouched by the review.
    first.refresh_from_db()
    assert first.status == "not_reviewed"
    following = PlanReview.objects.get(client=client_profile, completed_at__isnull=True)
    assert following.due_at == START + timedelta(days=60)
    with pytest.raises(Conflict):
        plan_review_complete(
            actor=clinician, review=review, marks={first.pk: "met", second.pk: "met"}
        )


def test_review_bad_input_and_outsiders_change_nothing(client_profile, clinician, other_clinician):
    plan = signed_plan(client_profile, clinician)
    review = PlanReview.objects.get(client=client_profile)
    first, second = [o for g in plan.goals.all() for o in g.objectives.all()]
    with pytest.raises(NotAllowed, match="care team"):
        plan_review_complete(
            actor=other_clinician, review=review, marks={first.pk: "met", second.pk: "met"}
        )
    with pytest.raises(DomainError) as bad:
        plan_review_complete(
            actor=clinician, review=review, marks={first.pk: "done", 999999: "met"}
        )
    assert set(bad.value.fields) == {
        f"marks.{first.pk}",
        f"marks.{second.pk}",
        "marks.999999",
    }
    review.refresh_from_db()
    assert review.completed_at is None and not ObjectiveReview.objects.exists()


def test_signing_a_new_version_answers_the_open_reviews(client_profile, clinician):
    from records.services import treatment_plan_draft, treatment_plan_share, treatment_plan_sign

    signed_plan(client_profile, clinician)
    _resolve_a_crisis(client_profile, clinician)
    assert PlanReview.objects.filter(completed_at__isnull=True).count() == 2
    draft = treatment_plan_draft(actor=clinician, client=client_profile)
    treatment_plan_share(actor=clinician, plan=draft)
    treatment_plan_sign(actor=client_profile.user, plan=draft, typed_name="Casey Client")
    treatment_plan_sign(actor=clinician, plan=draft, typed_name=clinician.full_name)
    still_open = PlanReview.objects.filter(completed_at__isnull=True)
    assert [(r.reason, r.plan_id) for r in still_open] == [(ReviewReason.SCHEDULED, draft.pk)]
    answered = [r for r in PlanReview.objects.filter(completed_at__isnull=False)]
    assert len(answered) == 2 and all("version 2" in r.summary for r in answered)


def test_the_tick_is_in_the_beat_schedule_and_its_task_runs():
    from django.conf import settings as django_settings

    from iop.celery import app
    from records.tasks import plan_review_tick_task

    entry = django_settings.CELERY_BEAT_SCHEDULE["records-plan-review-tick"]
    assert entry["task"] == "records.tasks.plan_review_tick_task" and entry["task"] in app.tasks
    assert plan_review_tick_task() == 0
