"""The escalation engine: every step with time moved, acknowledgement, races, policy copies."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connections

from crisis.models import (
    CrisisEvent,
    CrisisSource,
    EscalationFiring,
    EventState,
    StepTarget,
    TimelineKind,
)
from crisis.services import (
    crisis_acknowledge,
    crisis_open,
    escalation_fire,
    escalation_policy_save,
    escalation_tick,
)
from iop.notify.models import Channel, OutboundMessage
from tests.crisis.conftest import CLINICIAN_PHONE, ON_CALL_PHONE, SUPERVISOR_PHONE
from tests.factories import CareTeamFactory, ClientProfileFactory, UserFactory
from tests.notify.conftest import purge_queues

START = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def open_help(client):
    event, created = crisis_open(actor=client.user, client=client, source=CrisisSource.HELP_BUTTON)
    assert created
    return event


def sent(event) -> list[tuple[str, str]]:
    """(channel, number) of every outbox message about the event, in order."""
    return [
        (m.channel, m.to)
        for m in OutboundMessage.objects.filter(about_id=str(event.pk)).order_by("created_at", "id")
    ]


@pytest.mark.django_db
def test_every_step_fires_in_order_on_time_then_every_supervisor_is_paged(team, policy):
    with time_machine.travel(START, tick=False) as clock:
        event = open_help(team["client"])
        assert event.next_step_due_at == START
        assert escalation_tick() == 1
        assert sent(event) == [("sms", CLINICIAN_PHONE)]

        expected_after_each_step = [
            [("sms", ON_CALL_PHONE), ("voice", ON_CALL_PHONE)],  # pass 1, step 2
            [("sms", SUPERVISOR_PHONE)],  # pass 1, step 3
            [("sms", CLINICIAN_PHONE)],  # pass 2, step 1
            [("sms", ON_CALL_PHONE), ("voice", ON_CALL_PHONE)],
            [("sms", SUPERVISOR_PHONE)],
            [("sms", SUPERVISOR_PHONE), ("voice", SUPERVISOR_PHONE)],  # the final page
        ]
        so_far = sent(event)
        for new in expected_after_each_step:
            clock.shift(timedelta(minutes=4, seconds=59))
            assert escalation_tick() == 0, "a step fired before its wait was over"
            clock.shift(timedelta(seconds=1))
            assert escalation_tick() == 1
            so_far += new
            assert sent(event) == so_far

        event.refresh_from_db()
        assert event.state == EventState.OPEN
        assert event.unacknowledged_at == START + timedelta(minutes=30)
        assert event.next_step_due_at is None
        clock.shift(timedelta(hours=1))
        assert escalation_tick() == 0

    firings = list(event.firings.order_by("fired_at"))
    assert [(f.repeat_index, f.step_index) for f in firings] == [
        (0, 0),
        (0, 1),
        (0, 2),
        (1, 0),
        (1, 1),
        (1, 2),
        (1, 3),
    ]
    assert firings[-1].is_final_page
    assert all(f.fired_at == f.due_at for f in firings)
    assert set(event.notified_user_ids) == {
        team["primary"].pk,
        team["on_call"].pk,
        team["supervisor"].pk,
    }
    kinds = list(event.timeline.values_list("kind", flat=True))
    assert kinds.count(TimelineKind.STEP) == 6
    assert kinds[-1] == TimelineKind.UNACKNOWLEDGED


@pytest.mark.django_db
def test_acknowledging_stops_the_escalation(team, policy):
    with time_machine.travel(START, tick=False) as clock:
        event = open_help(team["client"])
        escalation_tick()
        clock.shift(timedelta(minutes=2))
        crisis_acknowledge(actor=team["primary"], event=event)
        event.refresh_from_db()
        assert (event.state, event.next_step_due_at) == (EventState.ACKNOWLEDGED, None)
        assert event.acknowledged_by == team["primary"]
        clock.shift(timedelta(hours=2))
        assert escalation_tick() == 0
    assert sent(event) == [("sms", CLINICIAN_PHONE)]
    assert event.firings.count() == 1


@pytest.mark.django_db
def test_a_late_or_repeated_run_of_a_step_does_nothing(team, policy):
    with time_machine.travel(START, tick=False):
        event = open_help(team["client"])
        assert escalation_fire(event_id=event.pk, repeat_index=0, step_index=0) == "fired"
        # The same task delivered again (a redelivery), and the beat tick right after it.
        assert escalation_fire(event_id=event.pk, repeat_index=0, step_index=0) == "not-due"
        assert escalation_tick() == 0
    with time_machine.travel(START + timedelta(minutes=5), tick=False):
        # A stale task naming step 1 once the event points at step 2: the guard skips it.
        assert escalation_fire(event_id=event.pk, repeat_index=0, step_index=0) == "skipped"
        assert escalation_fire(event_id=event.pk, repeat_index=0, step_index=1) == "fired"
    assert event.firings.count() == 2
    assert sent(event) == [
        ("sms", CLINICIAN_PHONE),
        ("sms", ON_CALL_PHONE),
        ("voice", ON_CALL_PHONE),
    ]


@pytest.mark.django_db
def test_editing_the_policy_does_not_change_a_running_escalation(team, policy, admin_user, program):
    with time_machine.travel(START, tick=False) as clock:
        event = open_help(team["client"])
        escalation_tick()
        escalation_policy_save(
            actor=admin_user,
            policy=policy,
            name="Edited",
            program=program,
            is_default=True,
            repeat_count=1,
            steps=[{"target": StepTarget.SUPERVISOR, "channels": ["voice"], "wait_minutes": 60}],
        )
        clock.shift(timedelta(minutes=5))
        assert escalation_tick() == 1
        later = open_help(
            ClientProfileFactory(program=program, user=UserFactory(phone="+14155550177"))
        )
        escalation_tick()
    event.refresh_from_db()
    assert event.escalation_plan["policy_name"] == "Test policy"
    assert sent(event)[1:] == [("sms", ON_CALL_PHONE), ("voice", ON_CALL_PHONE)]
    # New events take the edited policy.
    assert later.escalation_plan["policy_name"] == "Edited"
    assert sent(later) == [("voice", SUPERVISOR_PHONE)]


@pytest.mark.django_db
def test_a_step_with_nobody_to_alert_moves_on_at_once(team, policy, program):
    lonely = ClientProfileFactory(program=program)  # no primary clinician
    with time_machine.travel(START, tick=False):
        event = open_help(lonely)
        # Step 1 finds nobody and is due again at once; the same tick fires step 2.
        assert escalation_tick() == 2
        event.refresh_from_db()
        assert event.current_step_index == 2 and event.next_step_due_at == START + timedelta(
            minutes=5
        )
    assert sent(event) == [("sms", ON_CALL_PHONE), ("voice", ON_CALL_PHONE)]
    assert event.timeline.filter(kind=TimelineKind.NOBODY).exists()


@pytest.mark.django_db
def test_without_any_policy_the_built_in_plan_escalates(team):
    with time_machine.travel(START, tick=False) as clock:
        event = open_help(team["client"])
        assert event.policy is None
        assert event.escalation_plan["policy_name"] == "Built-in fallback"
        escalation_tick()
        clock.shift(timedelta(minutes=5))
        escalation_tick()
    assert sent(event) == [
        ("sms", CLINICIAN_PHONE),
        ("sms", ON_CALL_PHONE),
        ("voice", ON_CALL_PHONE),
    ]


@pytest.mark.django_db
def test_pressing_help_again_joins_the_open_event(team, policy):
    first = open_help(team["client"])
    again, created = crisis_open(
        actor=team["client"].user, client=team["client"], source=CrisisSource.HELP_BUTTON
    )
    assert not created and again.pk == first.pk
    assert CrisisEvent.objects.count() == 1
    assert first.timeline.filter(kind=TimelineKind.RAISED_AGAIN).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_ticks_racing_fire_each_step_exactly_once(team, policy, program):
    clients = [team["client"]]
    for _ in range(11):
        client = ClientProfileFactory(program=program)
        CareTeamFactory(client=client, clinician=team["primary"], is_primary=True)
        clients.append(client)
    try:
        with time_machine.travel(START, tick=False) as clock:
            events = [open_help(client) for client in clients]
            for _ in range(2):  # step 1 at START, step 2 five minutes later
                results = race(escalation_tick, threads=4)
                assert sum(results) == len(events)
                clock.shift(timedelta(minutes=5))
        assert EscalationFiring.objects.count() == 2 * len(events)
        for event in events:
            assert sorted(event.firings.values_list("step_index", flat=True)) == [0, 1]
            assert sorted(c for c, _ in sent(event)) == ["sms", "sms", "voice"]
        keys = list(OutboundMessage.objects.values_list("idempotency_key", flat=True))
        assert len(keys) == len(set(keys)) == 3 * len(events)
    finally:
        purge_queues()


def race(func, *, threads: int) -> list:
    """Run func in several threads released at the same instant; each has its own connection."""
    barrier = threading.Barrier(threads)
    results: list = [None] * threads
    errors: list = []

    def run(index):
        try:
            barrier.wait()
            results[index] = func()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert not errors, errors
    return results


@pytest.mark.django_db
def test_staff_numbers_prefer_the_after_hours_line(team, policy):
    profile = team["primary"].staff_profile
    profile.after_hours_phone = "+14155550999"
    profile.save()
    with time_machine.travel(START, tick=False):
        event = open_help(team["client"])
        escalation_tick()
    assert sent(event) == [("sms", "+14155550999")]
    message = OutboundMessage.objects.get(about_id=str(event.pk), channel=Channel.SMS)
    assert message.purpose == "crisis"
    assert message.idempotency_key == f"crisis:{event.pk}:step:0:0:sms:{team['primary'].pk}"
    event.refresh_from_db()
    assert f"Reply ACK {event.ack_code}" in message.body and "/staff/crisis/" in message.body


@pytest.mark.django_db
def test_a_broken_event_does_not_stall_the_others(team, policy, program):
    good = open_help(team["client"])
    bad = open_help(ClientProfileFactory(program=program))
    CrisisEvent.objects.filter(pk=bad.pk).update(escalation_plan={"steps": [{}], "repeat_count": 1})
    assert escalation_tick() == 1
    assert good.firings.count() == 1
    bad.refresh_from_db()
    assert bad.next_step_due_at is not None and not bad.firings.exists()  # tried again next tick


@pytest.mark.django_db
def test_an_escalation_call_offers_press_1_through_the_crisis_prompt(team, policy):
    from iop.notify.backends import locmem
    from iop.notify.services.dispatch import message_dispatch

    with time_machine.travel(START, tick=False) as clock:
        event = open_help(team["client"])
        escalation_tick()
        clock.shift(timedelta(minutes=5))  # the primary clinician's wait, then the on-call step
        escalation_tick()
    call = OutboundMessage.objects.get(about_id=str(event.pk), channel=Channel.VOICE)

    message_dispatch(message_id=call.pk)

    placed = [s for s in locmem.outbox if s.kind == "call"]
    assert len(placed) == 1
    assert placed[0].twiml_url.endswith(f"/hooks/crisis/voice/{event.pk}/{call.user_id}")
