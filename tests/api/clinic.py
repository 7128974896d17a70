"""A small clinic for the tests that walk the whole API (the persona table and the fuzzer).

Everything "ours" belongs to `client_profile` in the test program: a group they are enrolled in,
a past session with their attendance, a make-up request, a safety plan, a crisis event, the
program's escalation policy, an on-call shift, a tech-support ticket and a recording of the past
session with them in it; and a help article and
a clinic-wide announcement, which every caller may read. The other caseload and the other
program get the same client-identifying rows, so a leak shows as a foreign name or record number in a body.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from crisis.models import CrisisEvent, CrisisSource, OnCallShift, SafetyPlan, StepTarget
from crisis.services import crisis_open, escalation_policy_save, safety_plan_save
from iop.accounts.models import ClientProfile, User
from recordings.models import (
    Recording,
    RecordingAccessRequest,
    RecordingPurpose,
    RecordingSegment,
    RecordingState,
    SegmentParticipant,
    SegmentState,
)
from sessions_app.models import (
    Attendance,
    AttendanceStatus,
    Enrolment,
    Group,
    MakeUpRequest,
    MakeUpStatus,
    Session,
)
from support.models import ArticleStatus, Audience, Ticket
from support.services import announcement_save, help_article_save, ticket_open
from tests.sessions_app.conftest import make_session


@dataclass
class Clinic:
    client: ClientProfile
    group: Group
    session: Session
    attendance: Attendance
    makeup: MakeUpRequest
    safety_plan: SafetyPlan
    event: CrisisEvent
    policy_id: int
    ticket: Ticket
    help_article_id: int = 0
    announcement_id: int = 0
    recording_id: int = 0
    access_request_id: int = 0
    thread_id: int = 0  # a secure-message thread the client started
    thread_message_id: int = 0
    treatment_plan_id: int = 0  # version 2, shared with the client (version 1 is signed)
    plan_review_id: int = 0  # the review scheduled when version 1 was signed
    note_id: int = 0  # the client's signed session note of the past session


def _recording(session: Session, client: ClientProfile, facilitator: User) -> Recording:
    """A stopped recording of the session, the client in its one stored segment. Its media is
    never written: the walkers make playback links, they never play them."""
    from recordings.crypto import data_key_new

    key = data_key_new()
    recording = Recording.objects.create(
        session=session,
        purpose=RecordingPurpose.THERAPEUTIC,
        provider="local",
        state=RecordingState.STOPPED,
        state_changed_at=session.ends_at,
        started_by=facilitator,
        started_at=session.starts_at,
        stopped_at=session.ends_at,
        stopped_by=facilitator,
        kek_id=key.kek_id,
        wrapped_key=key.wrapped,
    )
    segment = RecordingSegment.objects.create(
        recording=recording,
        index=0,
        state=SegmentState.STORED,
        started_at=session.starts_at,
        ended_at=session.ends_at,
        object_key="never-written",
        plaintext_size=0,
        ciphertext_size=0,
        chunk_size=4096,
        content_type="audio/wav",
        stored_at=session.ends_at,
    )
    SegmentParticipant.objects.create(
        segment=segment, user=client.user, joined_at=session.starts_at
    )
    return recording


def _group(client: ClientProfile, facilitator: User, name: str) -> Group:
    group = Group.objects.create(program=client.program, name=name, capacity=5)
    group.facilitators.add(facilitator)
    Enrolment.objects.create(group=group, client=client, starts_on=date(2020, 1, 1))
    return group


def seed_client(client: ClientProfile, clinician: User, *, admin: User, name: str) -> Clinic:
    """One client's records, written the way the app writes them where that is cheap."""
    group = _group(client, clinician, name)
    past = make_session(group, starts_at=timezone.now() - timedelta(days=2))
    coming = make_session(group, starts_at=timezone.now() + timedelta(days=5))
    attendance = Attendance.objects.create(
        session=past,
        client=client,
        session_starts_at=past.starts_at,
        derived_status=AttendanceStatus.EXCUSED,
        is_final=True,
    )
    makeup = MakeUpRequest.objects.create(
        client=client,
        missed_session=past,
        target_session=coming,
        status=MakeUpStatus.REQUESTED,
        requested_by=client.user,
    )
    plan = safety_plan_save(
        actor=clinician,
        client=client,
        sections={"warning_signs": f"{name}: a warning sign"},
        based_on_version=None,
    )
    policy = escalation_policy_save(
        actor=admin,
        name=f"{name} policy",
        program=client.program,
        is_default=True,
        repeat_count=1,
        steps=[{"target": StepTarget.PRIMARY, "channels": ["feed"], "wait_minutes": 5}],
    )
    if not OnCallShift.objects.filter(program=client.program).exists():
        OnCallShift.objects.create(
            program=client.program,
            user=clinician,
            starts_at=timezone.now() - timedelta(days=1),
            ends_at=timezone.now() + timedelta(days=1),
            time_zone="America/New_York",
        )
    event, _ = crisis_open(actor=client.user, client=client, source=CrisisSource.HELP_BUTTON)
    ticket, _ = ticket_open(
        actor=client.user,
        category="connection",
        subject=f"{name}: the camera will not start",
        body="The session page says the camera is blocked.",
    )
    # Help and announcements name no client: every caller reads the client help and the
    # clinic-wide announcement.
    article = help_article_save(
        actor=admin,
        title=f"{name}: no sound in a session",
        slug=f"{name.lower()}-no-sound",
        body="Check that your **microphone** is not muted.",
        category="audio_video",
        audience=Audience.CLIENTS,
        status=ArticleStatus.PUBLISHED,
        tech_topics=["microphone"],
    )
    announcement = announcement_save(
        actor=admin,
        title=f"{name}: planned maintenance",
        shown_from=timezone.now() - timedelta(hours=1),
        shown_to=timezone.now() + timedelta(days=1),
    )
    recording = _recording(past, client, clinician)
    access_request = RecordingAccessRequest.objects.create(
        recording=recording,
        client=client,
        reason=f"{name}: to hear it again",
        due_at=timezone.now() + timedelta(hours=72),
    )
    from messaging.services import thread_start

    thread, first_message = thread_start(
        actor=client.user, subject=f"{name}: a question", body="Can we talk about my homework?"
    )
    treatment_plan_id, plan_review_id = _treatment_plan(client, clinician, name)
    note = _signed_note(past, client, clinician, name)
    return Clinic(
        client,
        group,
        past,
        attendance,
        makeup,
        plan,
        event,
        policy.pk,
        ticket,
        help_article_id=article.pk,
        announcement_id=announcement.pk,
        recording_id=recording.pk,
        access_request_id=access_request.pk,
        thread_id=thread.pk,
        thread_message_id=first_message.pk,
        treatment_plan_id=treatment_plan_id,
        plan_review_id=plan_review_id,
        note_id=note.pk,
    )


def _signed_note(session: Session, client: ClientProfile, clinician: User, name: str):
    """The client's note of the past session, signed by their clinician (written directly: the
    seeded attendance is 'excused', which the service would refuse to document)."""
    from records.models import SessionNote

    now = timezone.now()
    return SessionNote.objects.create(
        session=session,
        client=client,
        author=clinician,
        note_format="dap",
        attendance_status="present",
        minutes_attended=50,
        data=f"{name}: took part.",
        assessment="Engaged.",
        plan="Continue.",
        created_at=now,
        updated_at=now,
        signed_by=clinician,
        signed_name=clinician.full_name,
        signed_at=now,
    )


def _treatment_plan(client: ClientProfile, clinician: User, name: str) -> tuple[int, int]:
    """A signed version 1 and a version 2 shared with the client; the review signing made due."""
    from records.models import PlanReview
    from records.plan_content import GoalInput, InterventionInput, ObjectiveInput, PlanContent
    from records.services import (
        treatment_plan_draft,
        treatment_plan_edit,
        treatment_plan_share,
        treatment_plan_sign,
    )

    content = PlanContent(
        presenting_problems=f"{name}: low mood",
        goals=(GoalInput("Feel better", (ObjectiveInput("Sleep 7 hours", date(2030, 1, 1)),)),),
        interventions=(InterventionInput("Group CBT", "3x weekly", clinician.pk),),
    )
    first = treatment_plan_draft(actor=clinician, client=client)
    treatment_plan_edit(actor=clinician, plan=first, content=content)
    treatment_plan_share(actor=clinician, plan=first)
    treatment_plan_sign(actor=client.user, plan=first, typed_name=client.user.full_name)
    treatment_plan_sign(actor=clinician, plan=first, typed_name=clinician.full_name)
    second = treatment_plan_draft(actor=clinician, client=client)
    treatment_plan_share(actor=clinician, plan=second)
    return second.pk, PlanReview.objects.get(client=client).pk
