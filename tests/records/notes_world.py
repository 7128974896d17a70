"""A documented group session for the session-note tests (imported by tests/records/test_notes*).

Our clinician facilitates a group of two: Casey (client_profile, on the clinician's caseload)
and Olive (other_client_profile, on another clinician's). The group met four days ago; both
attended. Casey has a treatment plan with one objective; Olive has one too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.utils import timezone

from iop.accounts.models import ClientProfile
from records.models import PlanGoal, PlanObjective, TreatmentPlan
from sessions_app.models import Attendance, AttendanceStatus, Enrolment, Group, Session
from tests.sessions_app.conftest import make_session


@dataclass
class NotesWorld:
    group: Group
    session: Session
    casey: ClientProfile
    olive: ClientProfile
    casey_objective: PlanObjective
    olive_objective: PlanObjective


def plan_objective(client: ClientProfile, text: str) -> PlanObjective:
    plan = TreatmentPlan.objects.create(client=client, version=1)
    goal = PlanGoal.objects.create(plan=plan, position=1, text=f"{text} (goal)")
    return PlanObjective.objects.create(
        goal=goal, position=1, text=text, target_date=date.today() + timedelta(days=30)
    )


def attend(session: Session, client: ClientProfile, status: str, minutes: int) -> Attendance:
    return Attendance.objects.create(
        session=session,
        client=client,
        session_starts_at=session.starts_at,
        derived_status=status,
        minutes_attended=minutes,
        is_final=True,
    )


@pytest.fixture
def world(client_profile, other_client_profile, clinician, settings) -> NotesWorld:
    settings.PUBLIC_BASE_URL = "https://harbor.example.org"
    group = Group.objects.create(program=client_profile.program, name="Skills group", capacity=8)
    group.facilitators.add(clinician)
    for client in (client_profile, other_client_profile):
        Enrolment.objects.create(group=group, client=client, starts_on=date(2020, 1, 1))
    session = make_session(group, starts_at=timezone.now() - timedelta(days=4))
    attend(session, client_profile, AttendanceStatus.PRESENT, 55)
    attend(session, other_client_profile, AttendanceStatus.LATE, 40)
    return NotesWorld(
        group=group,
        session=session,
        casey=client_profile,
        olive=other_client_profile,
        casey_objective=plan_objective(client_profile, "Use one coping skill daily"),
        olive_objective=plan_objective(other_client_profile, "Sleep seven hours"),
    )


DAP = {"data": "Shared a difficult week.", "assessment": "Engaged.", "plan": "Practise skills."}
