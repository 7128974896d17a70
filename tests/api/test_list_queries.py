"""Every list endpoint makes as many queries for 100 rows as for 10, and at most 8 (issue 11).

The lists are discovered, so a new one cannot be forgotten: every GET route under /api/v1/ whose
name ends in `-list`, and every GET operation the published schema pages (it documents
`page_size`), such as a crisis event's timeline. Each is asked for by an API key with every scope,
a verified clinician, a supervisor and a client, with `?page_size=10` and `?page_size=100`, over a
clinic where each list has well over 25 rows spread over 30 clients, so an N+1 (a query per row,
or per client) shows as a difference. The count of each is pinned in QUERIES: one query more
fails the test, which prints the table it measured.

A count covers the whole request as a server sees it once warm: the caller's authentication (an
API key: 1 query, and 1 more for the data version its list answer is kept under,
iop/api/list_cache.py; a signed-in client: the session and the user, 2; staff: also their
second factor, 3), the scoping, the count, the page, related rows, and the audit rows written
for the clients shown (one INSERT for them all). A key's list answered from the cache costs 3:
tests/api/test_list_cache.py. Each request is checked to audit-log every client its
rows name, so a count is never bought by dropping an audit row.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from crisis.models import (
    CheckIn,
    CrisisEvent,
    CrisisSource,
    Disposition,
    EscalationPolicy,
    EscalationStep,
    EventState,
    LocalResource,
    OnCallShift,
    SafetyPlan,
    StepTarget,
    TimelineEntry,
)
from crisis.services import crisis_open
from iop.accounts.models import CareTeamMember
from iop.api import list_cache
from iop.audit.models import AccessLog
from iop.consents.models import ConsentAction, ConsentKind, ConsentMethod, ConsentRecord
from iop.notify.models import OutboundMessage
from messaging.models import Message, MessageThread, ThreadRead
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
    SessionKind,
    SessionStatus,
    TechCheck,
)
from support.models import ArticleStatus, Audience
from support.services import announcement_save, help_article_save, ticket_open
from tests.api.conftest import key_client
from tests.api.test_personas import ROUTES
from tests.conftest import sign_in
from tests.factories import ClientProfileFactory, ConsentDocumentFactory, UserFactory
from tests.sessions_app.conftest import make_session

pytestmark = pytest.mark.django_db

CALLERS = ("key", "clinician", "supervisor", "client")
BUDGET = 8
REFUSED = None  # the caller may not call this list (403); test_personas.py pins who may

# Queries per request, the same at page_size=10 and page_size=100.
#                                        key clin  sup  client
QUERIES: dict[str, tuple[int | None, ...]] = {
    "api:client-list": (6, 7, 7, 6),
    "api:consent-list": (5, 6, 6, 5),
    "sessions_api:group-list": (5, 6, 6, 5),
    "sessions_api:session-list": (6, 7, 7, 7),
    "sessions_api:enrolment-list": (5, 6, 6, 5),
    "sessions_api:attendance-list": (5, 6, 6, 5),
    "sessions_api:tech-check-list": (5, 6, 6, 5),
    "sessions_api:makeup-request-list": (5, 6, 6, 5),
    "crisis_api:instrument-list": (1, 3, 3, 2),
    "crisis_api:check-in-list": (5, 6, 6, 5),
    "crisis_api:safety-plan-list": (5, 6, 6, 5),
    "crisis_api:crisis-event-list": (5, 6, 6, 5),
    "crisis_api:crisis-event-timeline": (6, 7, 7, REFUSED),
    "crisis_api:escalation-policy-list": (5, 6, 6, REFUSED),
    "crisis_api:on-call-shift-list": (4, 5, 5, REFUSED),
    "crisis_api:local-resource-list": (3, 4, 4, REFUSED),
    "support_api:ticket-list": (5, 4, 4, 5),
    "support_api:help-article-list": (4, 5, 5, 4),
    "support_api:announcement-list": (4, 7, 7, 6),
    "recordings_api:recording-request-list": (5, 6, 6, 5),
    "recordings_api:recording-list": (6, 7, 7, 6),
    "messaging_api:message-thread-list": (6, 7, 7, 6),
    "messaging_api:message-list": (5, 6, 6, 5),
    "records_api:treatment-plan-list": (5, 6, 6, 5),
    "records_api:attendance-hours-list": (6, 7, 7, 6),
    "records_api:session-note-list": (6, 7, 7, 6),
}

# Lists that are not paged (a fixed, short list from the code): one plain JSON array.
NOT_PAGED = {"crisis_api:instrument-list"}
# Lists that show a caller fewer rows than a page, however many there are: a client is the only
# client they see; staff who are not support agents see only the tickets they asked for (none).
FEW_ROWS = {
    ("api:client-list", "client"),
    ("records_api:attendance-hours-list", "client"),
    ("support_api:ticket-list", "clinician"),
    ("support_api:ticket-list", "supervisor"),
}
MANY = 25  # rows a list must show at page_size=100 for an N+1 to show


def paged_operations() -> set[str]:
    """Route names of the GET operations the published schema pages (it documents page_size)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    names = set()
    for path, operations in schema["paths"].items():
        parameters = operations.get("get", {}).get("parameters", [])
        if any(p["name"] == "page_size" and p["in"] == "query" for p in parameters):
            names.add(resolve(path.replace("{id}", "1").replace("{pk}", "1")).view_name)
    return names


def list_routes() -> set[str]:
    named = {r.name for r in ROUTES if r.method == "GET" and r.name.endswith("-list")}
    return named | paged_operations()


def test_every_list_has_pinned_counts():
    lists = list_routes()
    missing = sorted(lists - set(QUERIES))
    assert not missing, (
        "These list endpoints have no pinned query counts; add them to QUERIES in "
        f"tests/api/test_list_queries.py: {missing}"
    )
    assert set(QUERIES) <= lists, (
        f"QUERIES names lists that no longer exist: {set(QUERIES) - lists}"
    )


def test_the_pinned_counts_keep_the_budget():
    over = {
        name: counts for name, counts in QUERIES.items() if max(c or 0 for c in counts) > BUDGET
    }
    assert not over, f"over the budget of {BUDGET} queries: {over}"


def test_the_paged_lists_include_the_timeline():
    """The schema finds paged GET actions that are not named `-list`."""
    assert "crisis_api:crisis-event-timeline" in paged_operations()
    assert "sessions_api:session-list" in paged_operations()


# -- the clinic -------------------------------------------------------------------------------

N_CLIENTS = 30


def _seed(program, clinician, other_clinician, supervisor, client_profile, admin) -> CrisisEvent:
    """30 clients in the program, each with rows in every list; `client_profile` ("ours") has
    30 of its own in each, so a client's lists are long too. Written directly: this is about
    reading them."""
    now = timezone.now()
    zone = ZoneInfo(program.time_zone)
    clients = [client_profile]
    for i in range(1, N_CLIENTS):
        clients.append(
            ClientProfileFactory(
                user=UserFactory(full_name=f"Client {i:02d}", email=f"client{i:02d}@example.org"),
                program=program,
            )
        )
    # The clinician is on every care team; half of the clients have another primary clinician.
    members = []
    for i, client in enumerate(clients[1:], start=1):
        primary = clinician if i % 2 else other_clinician
        members.append(CareTeamMember(client=client, clinician=primary, is_primary=True))
        if primary != clinician:
            members.append(CareTeamMember(client=client, clinician=clinician, is_primary=False))
    CareTeamMember.objects.bulk_create(members)

    # 30 groups run by the clinician; ours is in each, with one other client.
    groups = Group.objects.bulk_create(
        Group(program=program, name=f"Group {i:02d}", capacity=5) for i in range(N_CLIENTS)
    )
    for group in groups:
        group.facilitators.add(clinician, other_clinician)
    enrolled = [
        [client_profile, *clients[i : i + 1]] if i else [client_profile] for i in range(N_CLIENTS)
    ]
    Enrolment.objects.bulk_create(
        Enrolment(group=g, client=c, starts_on=date(2020, 1, 1))
        for g, members in zip(groups, enrolled, strict=True)
        for c in members
    )
    sessions = [
        make_session(g, starts_at=now - timedelta(days=40 - i), facilitator=clinician)
        for i, g in enumerate(groups)
    ]
    # Individual sessions name their client: between the group sessions, ours among them.
    for i, client in enumerate(clients[:15]):
        starts_at = now - timedelta(days=40 - 2 * i, hours=-3)
        Session.objects.create(
            program=program,
            client=client,
            kind=SessionKind.INDIVIDUAL,
            title="Individual therapy",
            facilitator=clinician,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=1),
            local_date=starts_at.astimezone(zone).date(),
            status=SessionStatus.SCHEDULED,
        )
    Attendance.objects.bulk_create(
        Attendance(
            session=s,
            client=c,
            session_starts_at=s.starts_at,
            derived_status=AttendanceStatus.PRESENT,
            corrected_by=clinician if (i + j) % 3 == 0 else None,
            is_final=True,
        )
        for i, (s, members) in enumerate(zip(sessions, enrolled, strict=True))
        for j, c in enumerate(members)
    )
    TechCheck.objects.bulk_create(
        TechCheck(
            client=client,
            session=sessions[i % N_CLIENTS],
            camera="granted",
            microphone="granted",
            webrtc=True,
            download_mbps=10.0,
            passed=True,
        )
        for i, client in enumerate(clients + [client_profile] * (N_CLIENTS - 1))
    )
    MakeUpRequest.objects.bulk_create(
        MakeUpRequest(
            client=client,
            missed_session=sessions[i],
            target_session=sessions[(i + 1) % N_CLIENTS],
            status=MakeUpStatus.REQUESTED,
            requested_by=client.user,
        )
        for client, indexes in [(client_profile, range(N_CLIENTS))]
        + [(c, [i]) for i, c in enumerate(clients[1:], start=1)]
        for i in indexes
    )
    CheckIn.objects.bulk_create(
        CheckIn(
            client=client,
            instrument="mood",
            instrument_version=1,
            answers_json='{"mood": 6}',
            score=6,
            band="ok",
            risk="none",
            risk_rank=0,
            channel="portal",
            submitted_by=client.user,
            submitted_at=now - timedelta(minutes=i),
        )
        for i, client in enumerate(clients + [client_profile] * (N_CLIENTS - 1))
    )
    SafetyPlan.objects.bulk_create(
        SafetyPlan(
            client=client,
            version=version,
            warning_signs=f"sign {version}",
            created_by=clinician,
            created_by_label=clinician.email,
        )
        for client, versions in [(client_profile, range(1, N_CLIENTS + 1))]
        + [(c, [1]) for c in clients[1:]]
        for version in versions
    )
    documents = {
        kind: ConsentDocumentFactory.create(kind=kind, version=1) for kind in ConsentKind.values
    }
    ConsentRecord.objects.bulk_create(
        ConsentRecord(
            client=client,
            document=documents[kind],
            kind=kind,
            action=ConsentAction.GRANT,
            method=ConsentMethod.PORTAL,
            recorded_by=client.user if i % 2 else clinician,
            recorded_at=now - timedelta(minutes=i),
        )
        for i, (client, kind) in enumerate(
            [(c, ConsentKind.EMERGENCY_CONTACT) for c in clients]
            + [(client_profile, ConsentKind.values[i % 3]) for i in range(N_CLIENTS)]
        )
    )

    # Crisis events: ours has one open (through the service: a real plan and timeline) and 29
    # resolved; every other client one, acknowledged by alternating staff.
    policy = EscalationPolicy.objects.create(
        name="Default", program=program, is_default=True, repeat_count=1
    )
    EscalationStep.objects.create(
        policy=policy, position=1, target=StepTarget.PRIMARY, channels=["feed"], wait_minutes=5
    )
    event, _ = crisis_open(actor=client_profile.user, client=client_profile, source="help_button")
    plan = event.escalation_plan
    CrisisEvent.objects.bulk_create(
        [
            CrisisEvent(
                client=client_profile,
                source=CrisisSource.HELP_BUTTON,
                state=EventState.RESOLVED,
                opened_at=now - timedelta(days=i + 1),
                acknowledged_by=(clinician, supervisor)[i % 2],
                acknowledged_at=now - timedelta(days=i + 1),
                resolved_at=now - timedelta(days=i + 1),
                disposition=Disposition.DE_ESCALATED,
                escalation_plan=plan,
            )
            for i in range(N_CLIENTS - 1)
        ]
        + [
            CrisisEvent(
                client=client,
                source=CrisisSource.CLINICIAN,
                opened_at=now - timedelta(hours=i),
                acknowledged_by=(clinician, supervisor, None)[i % 3],
                escalation_plan=plan,
            )
            for i, client in enumerate(clients[1:])
        ]
    )
    # The open event's timeline: 30 more entries by different people, half with a message.
    messages = OutboundMessage.objects.bulk_create(
        OutboundMessage(
            idempotency_key=f"timeline-{i}",
            channel="sms",
            purpose="crisis",
            to="+14155550100",
            user=clinician,
            next_attempt_at=now,
        )
        for i in range(N_CLIENTS // 2)
    )
    TimelineEntry.objects.bulk_create(
        TimelineEntry(
            event=event,
            kind="note",
            actor=(clinician, supervisor, other_clinician)[i % 3],
            actor_label="someone",
            text=f"note {i}",
            message=messages[i // 2] if i % 2 else None,
        )
        for i in range(N_CLIENTS)
    )

    # The program's directory: policies with steps naming people, shifts, resources.
    policies = EscalationPolicy.objects.bulk_create(
        EscalationPolicy(name=f"Policy {i:02d}", program=program, repeat_count=1)
        for i in range(N_CLIENTS)
    )
    EscalationStep.objects.bulk_create(
        EscalationStep(
            policy=p,
            position=position,
            target=StepTarget.USER,
            user=(clinician, supervisor, other_clinician)[(i + position) % 3],
            channels=["feed", "sms"],
            wait_minutes=5,
        )
        for i, p in enumerate(policies)
        for position in (1, 2)
    )
    OnCallShift.objects.bulk_create(
        OnCallShift(
            program=program,
            user=(clinician, supervisor, other_clinician)[i % 3],
            starts_at=now + timedelta(days=i),
            ends_at=now + timedelta(days=i, hours=12),
            time_zone=program.time_zone,
        )
        for i in range(N_CLIENTS)
    )
    LocalResource.objects.bulk_create(
        LocalResource(
            name=f"Resource {i:02d}",
            kind="ed",
            region=f"Region {i % 4}",
            phone="+14155550100",
            latitude=40 + i / 100,
            longitude=-74,
        )
        for i in range(N_CLIENTS)
    )
    _seed_support(clients, admin=admin, now=now)
    _seed_recordings(sessions, enrolled, clinician=clinician, now=now)
    _seed_messages(clients, clinician=clinician, now=now)
    _seed_treatment_plans(clients, clinician=clinician, now=now)
    _seed_session_notes(sessions, enrolled, clinician=clinician, now=now)
    return event


def _seed_session_notes(sessions, enrolled, *, clinician, now) -> None:
    """A signed note for each client of each group session (30 of ours), each linked to an
    objective of the client's plan and every other one with an addendum."""
    from records.models import NoteAddendum, PlanGoal, PlanObjective, SessionNote, TreatmentPlan

    notes = SessionNote.objects.bulk_create(
        SessionNote(
            session=session,
            client=client,
            author=clinician,
            note_format="dap",
            attendance_status="present",
            minutes_attended=60,
            data="Took part.",
            assessment="Engaged.",
            plan="Continue.",
            created_at=now - timedelta(minutes=i),
            updated_at=now - timedelta(minutes=i),
            signed_by=clinician,
            signed_name=clinician.full_name,
            signed_at=now - timedelta(minutes=i),
        )
        for i, (session, members) in enumerate(zip(sessions, enrolled, strict=True))
        for client in members
    )
    plans = {}
    for note in notes:
        if note.client_id not in plans:
            # The client's signed plan (seeded above for every client), or a first draft.
            plan = TreatmentPlan.objects.filter(
                client_id=note.client_id, status="signed"
            ).first() or TreatmentPlan.objects.create(client_id=note.client_id, version=1)
            goal = PlanGoal.objects.create(plan=plan, position=1, text="A goal")
            plans[note.client_id] = PlanObjective.objects.create(
                goal=goal, position=1, text="An objective", target_date=now.date()
            )
        note.objectives.add(plans[note.client_id])
    NoteAddendum.objects.bulk_create(
        NoteAddendum(note=note, author=clinician, written_at=now, reason="Late entry", text="More.")
        for i, note in enumerate(notes)
        if i % 2
    )


def _seed_recordings(sessions, enrolled, *, clinician, now) -> None:
    """A stored recording of each group session with its clients in it, and an access request
    from each of them (30 from ours)."""
    recordings = Recording.objects.bulk_create(
        Recording(
            session=session,
            purpose=RecordingPurpose.THERAPEUTIC,
            provider="local",
            state=RecordingState.STOPPED,
            state_changed_at=now,
            started_by=clinician,
            started_at=session.starts_at,
            stopped_at=session.ends_at,
            kek_id="test",
            wrapped_key=b"not-a-real-key",
        )
        for session in sessions
    )
    segments = RecordingSegment.objects.bulk_create(
        RecordingSegment(
            recording=recording,
            index=0,
            state=SegmentState.STORED,
            started_at=recording.started_at,
            object_key=f"test/{recording.uuid}/0",
        )
        for recording in recordings
    )
    SegmentParticipant.objects.bulk_create(
        SegmentParticipant(segment=segment, user=client.user, joined_at=segment.started_at)
        for segment, members in zip(segments, enrolled, strict=True)
        for client in members
    )
    RecordingAccessRequest.objects.bulk_create(
        RecordingAccessRequest(
            recording=recording,
            client=client,
            reason="To hear it again",
            due_at=now + timedelta(hours=72),
            decided_by=clinician if i % 2 else None,
            state="approved" if i % 2 else "pending",
        )
        for i, (recording, members) in enumerate(zip(recordings, enrolled, strict=True))
        for client in members
    )


def _seed_treatment_plans(clients, *, clinician, now) -> None:
    """A signed treatment plan for each client; ours has 30 versions (29 superseded)."""
    from records.models import PlanStatus, TreatmentPlan

    ours = clients[0]
    TreatmentPlan.objects.bulk_create(
        TreatmentPlan(
            client=client,
            version=version,
            status=PlanStatus.SIGNED if version == last else PlanStatus.SUPERSEDED,
            presenting_problems=f"problems {version}",
            created_by=clinician,
            clinician_signed_by=clinician,
            clinician_signed_name=clinician.full_name,
            clinician_signed_at=now,
            client_signed_by=client.user,
            client_signed_name=client.user.full_name,
            client_signed_at=now,
        )
        for client, last in [(ours, N_CLIENTS)] + [(c, 1) for c in clients[1:]]
        for version in range(1, last + 1)
    )


def _seed_messages(clients, *, clinician, now) -> None:
    """A thread from each client (30 from ours), each a client's question and an answer, some
    read by the clinician."""
    threads = MessageThread.objects.bulk_create(
        MessageThread(
            client=client,
            subject=f"Question {i:02d}",
            started_by=client.user,
            last_message_at=now - timedelta(minutes=i),
            last_answered_by=clinician,
            last_answered_at=now - timedelta(minutes=i),
        )
        for i, client in enumerate(clients + [clients[0]] * (N_CLIENTS - 1))
    )
    messages = Message.objects.bulk_create(
        Message(
            thread=thread,
            author=author,
            from_client=author == thread.started_by,
            body="Can I move Thursday's session?",
            sent_at=now - timedelta(minutes=i, seconds=30 - second),
        )
        for i, thread in enumerate(threads)
        for second, author in enumerate((thread.started_by, clinician))
    )
    ThreadRead.objects.bulk_create(
        ThreadRead(thread=thread, user=clinician, last_read_message_id=messages[2 * i].pk)
        for i, thread in enumerate(threads)
        if i % 2
    )


def _seed_support(clients, *, admin, now) -> None:
    """A ticket from each client (30 from ours), 30 client help articles, 30 announcements."""
    for i, client in enumerate(clients + [clients[0]] * (N_CLIENTS - 1)):
        ticket_open(
            actor=client.user,
            category=("connection", "audio_video", "device")[i % 3],
            subject=f"Ticket {i:02d}",
            body="The video does not start.",
        )
    for i in range(N_CLIENTS):
        help_article_save(
            actor=admin,
            title=f"Article {i:02d}",
            slug=f"article-{i:02d}",
            body="Check that your **microphone** is not muted.",
            category="audio_video",
            audience=Audience.BOTH,
            status=ArticleStatus.PUBLISHED,
            tech_topics=["microphone"],
        )
        announcement_save(
            actor=admin,
            title=f"Notice {i:02d}",
            shown_from=now - timedelta(hours=1),
            shown_to=now + timedelta(days=1),
        )


@pytest.fixture
def clinic(
    program,
    clinician,
    other_clinician,
    supervisor,
    client_profile,
    admin_user,
    make_key,
):
    event = _seed(program, clinician, other_clinician, supervisor, client_profile, admin_user)
    callers: dict[str, Client] = {
        "key": key_client(make_key()[1]),
        "clinician": sign_in(clinician),
        "supervisor": sign_in(supervisor),
        "client": sign_in(client_profile.user),
    }
    return event, callers


# -- measuring --------------------------------------------------------------------------------


def _path(name: str, event: CrisisEvent) -> str:
    route = next(r for r in ROUTES if r.name == name and r.method == "GET")
    return reverse(name, kwargs=dict.fromkeys(route.kwargs, event.pk))


def _clients_named(name: str, rows: list[dict[str, Any]], event: CrisisEvent) -> set[int]:
    if name == "api:client-list":
        return {row["id"] for row in rows}
    if name == "crisis_api:crisis-event-timeline":
        return {event.client_id}
    return {row["client"] for row in rows if row.get("client") is not None}


def _measure(browser: Client, name: str, path: str, size: int, event: CrisisEvent):
    """(queries, rows) of one request, checking that each client it names is audit-logged. The
    list is built, not served from what a key's earlier request kept (iop/api/list_cache.py)."""
    last_log = AccessLog.objects.order_by("-id").values_list("id", flat=True).first() or 0
    list_cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(path, {"page_size": size})
    assert response.status_code == 200, (name, response.content)
    body = response.json()
    rows = body if name in NOT_PAGED else body["results"]
    audited = set(
        AccessLog.objects.filter(id__gt=last_log, client__isnull=False).values_list(
            "client_id", flat=True
        )
    )
    unaudited = _clients_named(name, rows, event) - audited
    assert not unaudited, f"{name}: clients shown without an audit row: {unaudited}"
    return len(queries), len(rows), [q["sql"] for q in queries.captured_queries]


@pytest.mark.parametrize("caller", CALLERS)
def test_each_list_makes_the_same_pinned_number_of_queries_for_10_and_100_rows(clinic, caller):
    event, callers = clinic
    browser = callers[caller]
    column = CALLERS.index(caller)
    measured: dict[str, tuple[int, int]] = {}
    problems = []
    for name in sorted(QUERIES):
        path = _path(name, event)
        expected = QUERIES[name][column]
        if expected is REFUSED:
            status = browser.get(path).status_code
            assert status == 403, f"{caller} {name}: pinned as refused but got {status}"
            continue
        browser.get(path, {"page_size": 10})  # warm: per-process caches, a key's last use
        few, few_rows, _ = _measure(browser, name, path, 10, event)
        many, many_rows, sql = _measure(browser, name, path, 100, event)
        measured[name] = (few, many)
        if name not in NOT_PAGED:
            assert few_rows == 10 or (name, caller) in FEW_ROWS, (name, caller, few_rows)
            assert many_rows >= MANY or (name, caller) in FEW_ROWS, (name, caller, many_rows)
        if few != many:
            problems.append(f"{name}: {few} queries for 10 rows, {many} for {many_rows}")
        elif many > BUDGET:
            problems.append(f"{name}: {many} queries, over the budget of {BUDGET}")
        elif many != expected:
            problems.append(f"{name}: {many} queries, pinned at {expected}")
        if few != many or many != expected:
            problems.extend(f"    {query[:160]}" for query in sql)
    summary = "\n".join(f"    {name!r}: {counts}," for name, counts in measured.items())
    assert not problems, "\n".join(problems) + f"\n\nmeasured for {caller} (10, 100):\n" + summary
