"""The supervisor's dashboard: every open crisis of the program from its first second (time
since the signal, the escalation step, who has been alerted; unacknowledged ones marked), live
over the staff feed; the program's time from signal to acknowledgement; the caseload sortable
by risk with the crisis state shown."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from asgiref.sync import async_to_sync, sync_to_async
from django.utils import timezone

from crisis.models import CrisisEvent, CrisisSource, EscalationFiring, EventState
from crisis.selectors import acknowledgement_times_for
from crisis.services import check_in_submit, crisis_acknowledge, crisis_open, escalation_tick
from tests.conftest import sign_in
from tests.crisis.conftest import phq9
from tests.factories import CareTeamFactory, ClientProfileFactory, UserFactory
from tests.notify.conftest import purge_queues
from tests.realtime.ws import RECEIVE_TIMEOUT, open_feed


def row_of(html: str, event: CrisisEvent) -> str:
    found = re.search(rf'<tr[^>]*data-event-id="{event.pk}">(.*?)</tr>', html, re.S)
    assert found, f"crisis #{event.pk} is not on the dashboard"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1)))


@pytest.mark.django_db
def test_a_new_crisis_is_on_the_supervisors_dashboard_before_its_first_step_completes(
    team, policy, other_supervisor
):
    """Another clinician's client: the supervisor is in no step until the third, yet sees it."""
    client, supervisor = team["client"], team["supervisor"]
    assert not client.care_team.filter(clinician=supervisor).exists()
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        event, _ = crisis_open(actor=client.user, client=client, source=CrisisSource.HELP_BUTTON)
        clock.shift(timedelta(seconds=20))
        html = sign_in(supervisor).get("/staff/").content.decode()
        assert not EscalationFiring.objects.filter(event=event).exists()  # step 1 not yet run
        row = row_of(html, event)
        assert "Casey C." in row
        assert "UNACKNOWLEDGED for 20 s" in row
        assert "Step 1 of 3 (primary clinician) starting now" in row
        assert "Nobody yet" in row
        # Another program's supervisor sees nothing of it.
        assert f'data-event-id="{event.pk}"' not in (
            sign_in(other_supervisor).get("/staff/").content.decode()
        )

        escalation_tick()  # step 1 fires: the primary clinician
        clock.shift(timedelta(minutes=2))
        row = row_of(sign_in(supervisor).get("/staff/").content.decode(), event)
        assert "UNACKNOWLEDGED for 2 min 20 s" in row
        assert "Step 1 of 3 (pass 1 of 2): primary clinician alerted; next step at" in row
        assert team["primary"].full_name in row

        crisis_acknowledge(actor=team["primary"], event=event)
        row = row_of(sign_in(supervisor).get("/staff/").content.decode(), event)
    assert "UNACKNOWLEDGED" not in row
    assert f"Acknowledged by {team['primary'].display_name}" in row


@pytest.mark.django_db
def test_the_panel_is_for_supervisors_and_reloads_alone(team, policy):
    event, _ = crisis_open(
        actor=team["client"].user, client=team["client"], source=CrisisSource.HELP_BUTTON
    )
    assert 'id="open-crises"' not in sign_in(team["primary"]).get("/staff/").content.decode()
    assert sign_in(team["primary"]).get("/staff/crisis/open/").status_code == 403
    fragment = sign_in(team["supervisor"]).get("/staff/crisis/open/")
    assert fragment.status_code == 200
    assert f'data-event-id="{event.pk}"' in fragment.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_supervisor_hears_a_new_crisis_at_once_over_the_staff_feed(team, policy):
    supervisor = sign_in(team["supervisor"])

    async def scenario():
        feed = await open_feed(supervisor)
        event, _ = await sync_to_async(crisis_open)(
            actor=team["client"].user, client=team["client"], source=CrisisSource.HELP_BUTTON
        )
        heard = await feed.receive_json_from(timeout=RECEIVE_TIMEOUT)  # no tick has run
        await feed.disconnect()
        return event, heard

    try:
        event, heard = async_to_sync(scenario)()
    finally:
        purge_queues()
    assert heard["event"] == "crisis.oversight"
    assert heard["payload"]["event_id"] == event.pk
    assert heard["payload"]["state"] == EventState.OPEN


@pytest.mark.django_db
def test_time_to_acknowledgement_over_30_days_in_one_query(
    team, policy, program, django_assert_num_queries
):
    now = timezone.now()
    clinician, supervisor = team["primary"], team["supervisor"]

    def event_acknowledged_after(minutes: float | None, *, days_ago: float = 1) -> CrisisEvent:
        client: Any = ClientProfileFactory(program=program)
        CareTeamFactory(client=client, clinician=clinician, is_primary=True)
        with time_machine.travel(now - timedelta(days=days_ago), tick=False):
            event, _ = crisis_open(actor=client.user, client=client, source="help_button")
            if minutes is not None:
                with time_machine.travel(
                    now - timedelta(days=days_ago) + timedelta(minutes=minutes), tick=False
                ):
                    crisis_acknowledge(actor=clinician, event=event)
        return event

    event_acknowledged_after(1)
    event_acknowledged_after(2)
    last_step = event_acknowledged_after(10)
    paged = event_acknowledged_after(None)
    event_acknowledged_after(500, days_ago=40)  # older than 30 days: not counted
    steps = len(policy.steps.all())
    EscalationFiring.objects.create(
        event=last_step,
        repeat_index=policy.repeat_count - 1,
        step_index=steps - 1,
        due_at=now,
        fired_at=now,
    )
    EscalationFiring.objects.create(  # the same step on the first pass is not the last step
        event=event_acknowledged_after(3),
        repeat_index=0,
        step_index=steps - 1,
        due_at=now,
        fired_at=now,
    )
    EscalationFiring.objects.create(
        event=paged,
        repeat_index=policy.repeat_count - 1,
        step_index=steps,
        due_at=now,
        fired_at=now,
        is_final_page=True,
    )

    with django_assert_num_queries(1):
        times = acknowledgement_times_for(supervisor)
    assert (times.events, times.acknowledged) == (5, 4)
    # percentile_cont over 1, 2, 3, 10 minutes.
    assert times.median == timedelta(minutes=2.5)
    assert times.p90 == timedelta(minutes=3 + 0.7 * 7)
    assert times.longest == timedelta(minutes=10)
    assert times.reached_last_step == 2

    html = sign_in(supervisor).get("/staff/").content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "median 2 min 30 s" in text
    assert "90th percentile 7 min 54 s" in text
    assert "longest 10 min 0 s" in text
    assert "2 reached the last escalation step" in text
    # Another program's supervisor counts none of them.
    other = UserFactory(email="far.sup@example.org", role="supervisor")
    assert acknowledgement_times_for(other).events == 0


@pytest.mark.django_db
def test_the_dashboard_caseload_sorts_by_risk_and_shows_the_crisis_state(team, policy, program):
    clinician = team["primary"]
    calm = ClientProfileFactory(program=program, user__full_name="Ada Calm")
    worried = ClientProfileFactory(program=program, user__full_name="Bea Worried")
    for client in (calm, worried):
        CareTeamFactory(client=client, clinician=clinician, is_primary=True)
    check_in_submit(actor=calm.user, client=calm, instrument="phq9", answers=phq9(0))
    check_in_submit(actor=worried.user, client=worried, instrument="phq9", answers=phq9(16))
    crisis_open(actor=team["client"].user, client=team["client"], source="help_button")
    browser = sign_in(clinician)

    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", browser.get("/staff/").content.decode()))
    order = [text.index(name) for name in ("Casey Client", "Bea Worried", "Ada Calm")]
    assert order == sorted(order), "in crisis first, then by risk"
    assert "In crisis, UNACKNOWLEDGED" in text
    assert "Moderate risk" in text and "No risk indicated" in text
    assert "PHQ-9: 16 (moderately severe)" in text
    assert "PHQ9" not in text and "None" not in text

    text = re.sub(r"<[^>]+>", " ", browser.get("/staff/?sort=name").content.decode())
    order = [text.index(name) for name in ("Ada Calm", "Bea Worried", "Casey Client")]
    assert order == sorted(order)
