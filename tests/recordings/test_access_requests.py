"""Clients' access requests: who may ask, who may decide (with a reason), time-limited access,
escalation of overdue requests to the supervisors, and what is withheld and why."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from iop.accounts.models import Role
from iop.audit.models import AccessLog
from iop.consents.models import ConsentKind
from iop.domain import Conflict, NotAllowed, NotFound
from iop.notify.models import OutboundMessage
from recordings.access_selectors import (
    access_request_get_for,
    access_requests_visible_to,
    access_state_for,
    segment_lines,
)
from recordings.models import AccessRequestState, RecordingAccessRequest
from recordings.selectors import client_access_until
from recordings.services import (
    access_request_create,
    access_request_decide,
    access_request_withdraw,
    recording_access_requests_escalate_tick,
)
from tests.conftest import sign_in
from tests.factories import StaffFactory
from tests.recordings.access_fixtures import messages_about
from tests.recordings.conftest import withdraw

pytestmark = pytest.mark.django_db

REASON = "I want to hear what I said about my mother"


@pytest.fixture
def asked(qa_recording, client_profile):
    return access_request_create(actor=client_profile.user, recording=qa_recording, reason=REASON)


@pytest.fixture
def facilitator(program, group):
    """Runs the group, not on Casey's care team."""
    person = StaffFactory(email="fac@example.org", role=Role.CLINICIAN, profile__program=program)
    group.facilitators.add(person)
    return person


def no_clinical_content(message: OutboundMessage, *words: str) -> None:
    text = f"{message.subject} {message.body}"
    for word in ("Casey", "Jordan", "mother", "Now group", REASON, *words):
        assert word not in text, (word, text)


# -- asking ---------------------------------------------------------------------------------------


def test_a_client_in_the_recording_asks_and_the_care_team_is_told(
    asked, qa_recording, client_profile, clinician
):
    assert asked.state == AccessRequestState.PENDING
    assert asked.reason == REASON
    expected_due = timezone.now() + timedelta(hours=72)
    assert abs((asked.due_at - expected_due).total_seconds()) < 60
    [message] = messages_about(asked)
    assert message.user == clinician  # the care team
    assert message.client == client_profile
    assert "/staff/recordings/requests/" in message.body
    no_clinical_content(message)
    assert AccessLog.objects.filter(
        object_type="recordings.RecordingAccessRequest", object_id=str(asked.pk), action="create"
    ).exists()


def test_only_a_client_in_a_stored_recording_may_ask(
    qa_recording, other_client_profile, clinician, supervisor
):
    with pytest.raises(NotFound):
        access_request_create(actor=other_client_profile.user, recording=qa_recording)
    for staff in (clinician, supervisor):
        with pytest.raises(NotAllowed):
            access_request_create(actor=staff, recording=qa_recording)
    assert not RecordingAccessRequest.objects.exists()


def test_a_purged_recording_cannot_be_asked_for(qa_recording, client_profile):
    qa_recording.wrapped_key = None
    qa_recording.save(update_fields=["wrapped_key"])
    with pytest.raises(NotFound):
        access_request_create(actor=client_profile.user, recording=qa_recording)


def test_one_waiting_request_per_recording(asked, qa_recording, client_profile):
    with pytest.raises(Conflict):
        access_request_create(actor=client_profile.user, recording=qa_recording)
    access_request_withdraw(actor=client_profile.user, request=asked)
    again = access_request_create(actor=client_profile.user, recording=qa_recording)
    assert again.pk != asked.pk
    assert RecordingAccessRequest.objects.filter(state="pending").count() == 1


def test_only_the_client_withdraws(asked, clinician, jordan):
    for someone in (clinician, jordan.user):
        with pytest.raises(NotAllowed):
            access_request_withdraw(actor=someone, request=asked)
    asked.refresh_from_db()
    assert asked.state == AccessRequestState.PENDING


# -- deciding -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona, may",
    [
        ("clinician", True),  # Casey's care team
        ("facilitator", True),  # runs the session
        ("supervisor", True),  # of the program
        ("other_clinician", False),
        ("other_supervisor", False),
        ("support_agent", False),
        ("admin_user", False),
        ("client", False),
    ],
)
def test_who_may_decide(request, asked, persona, may, client_profile):
    actor = client_profile.user if persona == "client" else request.getfixturevalue(persona)
    if may:
        decided = access_request_decide(
            actor=actor, request=asked, approve=False, reason="Not yet: let us watch it together."
        )
        assert decided.state == AccessRequestState.DECLINED
        assert decided.decided_by == actor
    else:
        with pytest.raises(NotAllowed):
            access_request_decide(actor=actor, request=asked, approve=True, reason="Fine.")
        asked.refresh_from_db()
        assert asked.state == AccessRequestState.PENDING


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_decision_needs_a_reason(asked, clinician, reason):
    with pytest.raises(ValidationError) as error:
        access_request_decide(actor=clinician, request=asked, approve=True, reason=reason)
    assert "reason" in error.value.message_dict
    asked.refresh_from_db()
    assert asked.state == AccessRequestState.PENDING


def test_approved_access_runs_out(asked, qa_recording, clinician, client_profile):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        decided = access_request_decide(
            actor=clinician, request=asked, approve=True, reason="Yes, for your review."
        )
    assert decided.access_until == start + timedelta(days=14)
    user = client_profile.user
    assert client_access_until(user, qa_recording, at=start + timedelta(days=13)) == (
        decided.access_until
    )
    assert client_access_until(user, qa_recording, at=start + timedelta(days=14, seconds=1)) is None
    told = [m for m in messages_about(decided) if m.user == user]
    assert len(told) == 1
    assert "/recordings/" in told[0].body
    no_clinical_content(told[0], "for your review")
    with pytest.raises(Conflict):
        access_request_decide(actor=clinician, request=decided, approve=False, reason="No.")


def test_a_declined_request_gives_no_access(asked, qa_recording, clinician, client_profile):
    access_request_decide(actor=clinician, request=asked, approve=False, reason="Not now.")
    assert client_access_until(client_profile.user, qa_recording) is None


# -- escalation -----------------------------------------------------------------------------------


def test_an_overdue_request_goes_to_the_supervisors_once(
    asked, supervisor, other_supervisor, clinician
):
    assert recording_access_requests_escalate_tick() == 0
    later = asked.due_at + timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        assert recording_access_requests_escalate_tick() == 1
        assert recording_access_requests_escalate_tick() == 0
    asked.refresh_from_db()
    assert asked.escalated_at == later
    told = [m for m in messages_about(asked) if m.user != clinician]
    assert [m.user for m in told] == [supervisor]
    no_clinical_content(told[0])
    assert AccessLog.objects.filter(
        object_id=str(asked.pk), detail__startswith="overdue access request escalated"
    ).exists()


def test_a_decided_request_is_not_escalated(asked, clinician):
    access_request_decide(actor=clinician, request=asked, approve=True, reason="Yes.")
    with time_machine.travel(asked.due_at + timedelta(hours=1), tick=False):
        assert recording_access_requests_escalate_tick() == 0


@pytest.mark.django_db(transaction=True)
def test_the_tick_skips_a_request_another_tick_holds(
    media_dir, session, clinician, client_profile, jordan, supervisor
):
    from tests.recordings.access_fixtures import stored_recording

    recording = stored_recording(session, clinician, "therapeutic", present=[client_profile.user])
    asked = access_request_create(actor=client_profile.user, recording=recording)
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                RecordingAccessRequest.objects.select_for_update().get(pk=asked.pk)
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(10)
        with time_machine.travel(asked.due_at + timedelta(minutes=1), tick=False):
            assert recording_access_requests_escalate_tick() == 0
    finally:
        release.set()
        holder.join()
    with time_machine.travel(asked.due_at + timedelta(minutes=2), tick=False):
        assert recording_access_requests_escalate_tick() == 1
    assert connection.vendor == "postgresql"


# -- what is withheld -----------------------------------------------------------------------------


def test_a_withdrawal_withholds_a_segment_and_the_client_is_told_without_names(
    asked, qa_recording, clinician, client_profile, jordan
):
    access_request_decide(actor=clinician, request=asked, approve=True, reason="Yes.")
    state = access_state_for(client_profile.user, qa_recording)
    assert state.access_until is not None and state.withheld == []

    withdraw(jordan, ConsentKind.RECORDING_QA, by=clinician)

    state = access_state_for(client_profile.user, qa_recording)
    assert [line.text for line in state.withheld] == [
        "Part 2 is withheld: someone in it has not agreed to this use."
    ]
    request = RequestFactory().get("/")
    request.user = client_profile.user
    html = render_to_string(
        "recordings/portal/_access.html", {"recording": qa_recording}, request=request
    )
    assert "Part 2 is withheld" in html
    assert "Jordan" not in html
    # Staff deciding are told who.
    [line] = [x for x in segment_lines(clinician, qa_recording, names=True) if not x.playable]
    assert line.text == "Part 2 is withheld: Jordan Park no longer agrees."


def test_the_access_partial_offers_the_form_then_the_state(qa_recording, client_profile):
    request = RequestFactory().get("/")
    request.user = client_profile.user
    html = render_to_string(
        "recordings/portal/_access.html", {"recording": qa_recording}, request=request
    )
    assert 'id="request-access"' in html
    access_request_create(actor=client_profile.user, recording=qa_recording)
    html = render_to_string(
        "recordings/portal/_access.html", {"recording": qa_recording}, request=request
    )
    assert 'id="request-access"' not in html
    assert "your care team will decide" in html


# -- who sees requests ----------------------------------------------------------------------------


def test_requests_are_seen_by_the_client_and_those_who_may_decide(
    asked,
    client_profile,
    jordan,
    clinician,
    facilitator,
    supervisor,
    other_clinician,
    other_supervisor,
    support_agent,
    other_client_profile,
):
    for viewer in (client_profile.user, clinician, facilitator, supervisor):
        assert list(access_requests_visible_to(viewer)) == [asked]
        assert access_request_get_for(viewer, asked.pk) == asked
    for outsider in (
        jordan.user,
        other_client_profile.user,
        other_clinician,
        other_supervisor,
        support_agent,
    ):
        assert not access_requests_visible_to(outsider).exists()
        with pytest.raises(RecordingAccessRequest.DoesNotExist):
            access_request_get_for(outsider, asked.pk)


# -- pages ----------------------------------------------------------------------------------------


def test_the_client_asks_and_withdraws_from_the_portal(
    qa_recording, client_profile, other_client_profile
):
    browser = sign_in(client_profile.user)
    response = browser.post(
        f"/recordings/{qa_recording.pk}/request-access/", {"reason": "to remember"}
    )
    assert response.status_code == 302
    asked = RecordingAccessRequest.objects.get()
    assert asked.reason == "to remember"
    outsider = sign_in(other_client_profile.user)
    assert outsider.post(f"/recordings/{qa_recording.pk}/request-access/").status_code == 404
    assert outsider.post(f"/recordings/requests/{asked.pk}/withdraw/").status_code == 404
    assert browser.post(f"/recordings/requests/{asked.pk}/withdraw/").status_code == 302
    asked.refresh_from_db()
    assert asked.state == AccessRequestState.WITHDRAWN


def test_the_staff_queue_flags_overdue_and_decides(
    asked, clinician, other_clinician, client_profile, django_assert_max_num_queries
):
    browser = sign_in(clinician)
    RecordingAccessRequest.objects.filter(pk=asked.pk).update(
        due_at=timezone.now() - timedelta(hours=1)
    )
    with django_assert_max_num_queries(60):
        page = browser.get("/staff/recordings/requests/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Casey Client" in html and "overdue" in html
    assert (
        "Casey Client"
        not in sign_in(other_clinician).get("/staff/recordings/requests/").content.decode()
    )
    refused = browser.post(
        f"/staff/recordings/requests/{asked.pk}/decide/", {"decision": "approve", "reason": ""}
    )
    assert refused.status_code == 302
    asked.refresh_from_db()
    assert asked.state == AccessRequestState.PENDING
    outsider = sign_in(other_clinician).post(
        f"/staff/recordings/requests/{asked.pk}/decide/", {"decision": "approve", "reason": "x"}
    )
    assert outsider.status_code == 404
    browser.post(
        f"/staff/recordings/requests/{asked.pk}/decide/",
        {"decision": "approve", "reason": "For your review."},
    )
    asked.refresh_from_db()
    assert asked.state == AccessRequestState.APPROVED
    assert asked.decision_reason == "For your review."


def test_the_care_team_hears_it_live_and_supervisors_when_overdue(
    qa_recording, client_profile, clinician, supervisor, django_capture_on_commit_callbacks
):
    from iop.realtime.publish import FEED_OBJECT_TYPE

    with django_capture_on_commit_callbacks(execute=True):
        asked = access_request_create(actor=client_profile.user, recording=qa_recording)
    heard = AccessLog.objects.filter(object_type=FEED_OBJECT_TYPE, client=client_profile)
    assert set(heard.values_list("actor_id", flat=True)) == {clinician.pk}
    with (
        time_machine.travel(asked.due_at + timedelta(minutes=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        recording_access_requests_escalate_tick()
    assert set(heard.values_list("actor_id", flat=True)) == {clinician.pk, supervisor.pk}


def test_the_dashboard_links_clinical_staff_to_the_queue(clinician, support_agent):
    assert "/staff/recordings/requests/" in sign_in(clinician).get("/staff/").content.decode()
    assert (
        "/staff/recordings/requests/" not in sign_in(support_agent).get("/staff/").content.decode()
    )


def test_beat_runs_the_escalation_tick(asked, supervisor, settings):
    from iop.celery import app
    from recordings.tasks import recording_access_requests_escalate_tick_task

    entry = settings.CELERY_BEAT_SCHEDULE["recordings-access-escalate-tick"]
    assert entry["task"] in app.tasks
    assert recording_access_requests_escalate_tick_task() == 0
    with time_machine.travel(asked.due_at + timedelta(seconds=1), tick=False):
        assert recording_access_requests_escalate_tick_task() == 1
