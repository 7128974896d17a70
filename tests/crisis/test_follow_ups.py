"""Follow-ups: reminded when due, escalated to the supervisor when overdue, completed."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from crisis.models import CrisisSource, FollowUp
from crisis.services import crisis_open, crisis_resolve, follow_up_complete, follow_up_tick
from iop.domain import Conflict, NotAllowed
from iop.notify.models import OutboundMessage
from tests.conftest import sign_in
from tests.crisis.conftest import CLINICIAN_PHONE, SUPERVISOR_PHONE

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolved(team, policy):
    event, _ = crisis_open(
        actor=team["client"].user, client=team["client"], source=CrisisSource.HELP_BUTTON
    )
    start = timezone.now()
    crisis_resolve(actor=team["primary"], event=event, disposition="de_escalated")
    return event, start


def texts_to(number):
    return list(OutboundMessage.objects.filter(to=number).values_list("body", flat=True))


def test_a_due_follow_up_reminds_then_escalates_to_the_supervisor_when_overdue(resolved, team):
    event, start = resolved
    with time_machine.travel(start + timedelta(hours=23), tick=False):
        assert follow_up_tick() == 0
    with time_machine.travel(start + timedelta(hours=24, seconds=1), tick=False):
        assert follow_up_tick() == 1
        assert follow_up_tick() == 0
    assert any("Follow-up due: 24 hours" in body for body in texts_to(CLINICIAN_PHONE))
    assert texts_to(SUPERVISOR_PHONE) == []
    with time_machine.travel(start + timedelta(hours=26, seconds=2), tick=False):
        assert follow_up_tick() == 1
    assert any("OVERDUE follow-up: 24 hours" in body for body in texts_to(SUPERVISOR_PHONE))
    first = FollowUp.objects.order_by("due_at").first()
    assert first.escalated_at is not None and first.next_action_at is None
    with time_machine.travel(start + timedelta(days=3), tick=False):
        assert follow_up_tick() == 0  # 72 h not due until its own time (reminder at 72 h)


def test_a_completed_follow_up_is_never_escalated(resolved, team):
    event, start = resolved
    first = FollowUp.objects.order_by("due_at").first()
    browser = sign_in(team["primary"])
    page = browser.get("/staff/crisis/follow-ups/")
    assert "24 hours" in page.content.decode()
    browser.post(f"/staff/crisis/follow-ups/{first.pk}/done/", {"note": "Called, feeling safer"})
    first.refresh_from_db()
    assert first.completed_by == team["primary"] and first.note == "Called, feeling safer"
    with time_machine.travel(start + timedelta(hours=30), tick=False):
        follow_up_tick()
    assert texts_to(SUPERVISOR_PHONE) == []
    with pytest.raises(Conflict):
        follow_up_complete(actor=team["primary"], follow_up=first)


def test_only_the_assignee_or_a_supervisor_completes(resolved, team, other_clinician):
    first = FollowUp.objects.order_by("due_at").first()
    with pytest.raises(NotAllowed):
        follow_up_complete(actor=other_clinician, follow_up=first)
    follow_up_complete(actor=team["supervisor"], follow_up=first)


def test_follow_up_get_for_is_scoped_to_the_assignee_and_the_program_supervisors(
    resolved, team, other_clinician, other_supervisor, support_agent, client_profile
):
    from crisis.selectors import follow_up_get_for

    first = FollowUp.objects.order_by("due_at").first()
    assert follow_up_get_for(team["primary"], first.pk) == first
    assert follow_up_get_for(team["supervisor"], first.pk) == first
    for outsider in (other_clinician, other_supervisor, support_agent, client_profile.user):
        with pytest.raises(FollowUp.DoesNotExist):
            follow_up_get_for(outsider, first.pk)


def test_another_caseloads_clinician_cannot_complete_a_follow_up(resolved, other_clinician):
    first = FollowUp.objects.order_by("due_at").first()
    response = sign_in(other_clinician).post(f"/staff/crisis/follow-ups/{first.pk}/done/", {})
    assert response.status_code == 404
    first.refresh_from_db()
    assert first.completed_at is None
