"""Crisis events: sources, acknowledgement (dashboard, text, call), location, resolution."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils import timezone

from crisis.models import (
    CheckInSchedule,
    CrisisEvent,
    CrisisSource,
    EventState,
    FollowUp,
    LocalResource,
    TimelineKind,
)
from crisis.services import (
    check_in_schedule_set,
    crisis_acknowledge,
    crisis_location_attach,
    crisis_open,
    crisis_resolve,
    escalation_tick,
)
from iop.consents.models import ConsentKind
from iop.domain import Conflict, NotAllowed
from iop.notify.models import Channel, OutboundMessage, Purpose
from iop.notify.services import hotline_call_record, inbound_sms_record
from tests.conftest import sign_in
from tests.crisis.conftest import CLIENT_PHONE, CLINIC_NUMBER, CLINICIAN_PHONE
from tests.notify.webhook_client import post_signed

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(team, policy):
    opened, _ = crisis_open(
        actor=team["client"].user, client=team["client"], source=CrisisSource.HELP_BUTTON
    )
    return opened


def test_acknowledging_a_resolved_event_is_refused_naming_the_state(event, team):
    crisis_resolve(actor=team["primary"], event=event, disposition="de_escalated")
    with pytest.raises(Conflict) as caught:
        crisis_acknowledge(actor=team["primary"], event=event)
    assert "state" in caught.value.fields
    event.refresh_from_db()
    assert event.state == EventState.RESOLVED


@pytest.mark.parametrize("disposition", ["", "went_home"])
def test_resolving_without_a_valid_disposition_is_refused_and_changes_nothing(
    event, team, disposition
):
    with pytest.raises(ValidationError) as caught:
        crisis_resolve(actor=team["primary"], event=event, disposition=disposition)
    assert "disposition" in caught.value.message_dict
    event.refresh_from_db()
    assert event.state == EventState.OPEN and not FollowUp.objects.exists()


def test_resolving_schedules_follow_ups_for_the_primary_and_steps_up_check_ins(event, team):
    client, primary = team["client"], team["primary"]
    check_in_schedule_set(actor=primary, client=client, instrument="phq9", interval_days=7)
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        crisis_resolve(
            actor=team["on_call"], event=event, disposition="safety_plan_used", note="Used step 2"
        )
    event.refresh_from_db()
    assert (event.state, event.disposition, event.resolution_note) == (
        "resolved",
        "safety_plan_used",
        "Used step 2",
    )
    assert event.next_step_due_at is None and event.acknowledged_at == now
    follow_ups = list(FollowUp.objects.order_by("due_at"))
    assert [(f.label, f.due_at - now, f.assignee) for f in follow_ups] == [
        ("24 hours", timedelta(hours=24), primary),
        ("72 hours", timedelta(hours=72), primary),
        ("7 days", timedelta(days=7), primary),
    ]
    phq9 = CheckInSchedule.objects.get(client=client, instrument="phq9")
    mood = CheckInSchedule.objects.get(client=client, instrument="mood")
    assert phq9.stepped_up_until == now + timedelta(days=14)
    assert phq9.effective_interval_days(now) == 2
    assert phq9.effective_interval_days(now + timedelta(days=15)) == 7
    assert mood.interval_days == 1 and mood.ends_at == now + timedelta(days=14)


def test_resolving_twice_is_refused(event, team):
    crisis_resolve(actor=team["primary"], event=event, disposition="other")
    with pytest.raises(Conflict):
        crisis_resolve(actor=team["primary"], event=event, disposition="other")
    assert FollowUp.objects.count() == 3


def test_only_responders_acknowledge(event, team, other_clinician, support_agent):
    for outsider in (other_clinician, support_agent, team["client"].user):
        with pytest.raises(NotAllowed):
            crisis_acknowledge(actor=outsider, event=event)
    # The on-call clinician is not on the client's care team but may respond while on call.
    crisis_acknowledge(actor=team["on_call"], event=event)


def test_a_clinician_opens_an_event_during_a_session(team, policy):
    browser = sign_in(team["primary"])
    response = browser.post(
        f"/staff/crisis/clients/{team['client'].pk}/open/", {"summary": "Disclosed a plan"}
    )
    event = CrisisEvent.objects.get()
    assert response.url == f"/staff/crisis/{event.pk}/"
    assert (event.source, event.opened_by, event.summary) == (
        CrisisSource.CLINICIAN,
        team["primary"],
        "Disclosed a plan",
    )


def test_location_is_attached_only_with_consent_and_staff_see_the_nearest_resources(
    event, team, grant
):
    client = team["client"]
    LocalResource.objects.create(
        name="Far ED", kind="ed", region="X", phone="+15550001", latitude=40.0, longitude=-75.0
    )
    LocalResource.objects.create(
        name="Near ED", kind="ed", region="X", phone="+15550002", latitude=39.96, longitude=-75.16
    )
    browser = sign_in(client.user)
    url = f"/crisis/events/{event.pk}/location/"
    refused = browser.post(url, {"latitude": "39.95", "longitude": "-75.16"})
    assert refused.status_code == 403
    event.refresh_from_db()
    assert event.location == ""

    grant(client, ConsentKind.LOCATION)
    bad = browser.post(url, {"latitude": "139.95", "longitude": "-75.16"})
    assert bad.status_code == 400 and "latitude" in bad.json()["error"]["fields"]
    assert (
        browser.post(
            url, {"latitude": "39.95", "longitude": "-75.16", "accuracy": "20"}
        ).status_code
        == 200
    )
    event.refresh_from_db()
    assert event.coordinates == (39.95, -75.16, 20.0)

    page = sign_in(team["primary"]).get(f"/staff/crisis/{event.pk}/").content.decode()
    assert page.index("Near ED") < page.index("Far ED")
    assert "39.95000, -75.16000" in page


def test_only_the_client_shares_their_location(event, team, grant):
    grant(team["client"], ConsentKind.LOCATION)
    with pytest.raises(NotAllowed):
        crisis_location_attach(actor=team["primary"], event=event, latitude=1, longitude=1)


def _escalation_text(team, event):
    escalation_tick()
    return OutboundMessage.objects.get(
        about_id=str(event.pk), to=CLINICIAN_PHONE, channel=Channel.SMS
    )


def test_replying_with_the_code_to_the_escalation_text_acknowledges(event, team):
    # Issue 10: "1" alone no longer acknowledges; the alert's code does (see
    # test_sms_acknowledge_code.py for the refusals).
    text = _escalation_text(team, event)
    assert f"Reply ACK {event.ack_code} to acknowledge" in text.body
    result = inbound_sms_record(
        provider_id="SMack",
        from_number=CLINICIAN_PHONE,
        to_number=CLINIC_NUMBER,
        body=f"ack {event.ack_code}",
    )
    event.refresh_from_db()
    assert (event.state, event.acknowledged_by, event.acknowledged_via) == (
        "acknowledged",
        team["primary"],
        "sms",
    )
    assert result.replies == [
        f"Harbor Virtual IOP: crisis #{event.pk} acknowledged. Escalation stopped."
    ]


def test_ack_with_an_event_number_and_from_an_unknown_number(event, team):
    _escalation_text(team, event)
    inbound_sms_record(
        provider_id="SMx",
        from_number="+14155550000",
        to_number=CLINIC_NUMBER,
        body=f"ACK {event.ack_code}",
    )
    event.refresh_from_db()
    assert event.state == EventState.OPEN
    # Issue 10: the event's number is not its code; only the code acknowledges.
    inbound_sms_record(
        provider_id="SMy",
        from_number=CLINICIAN_PHONE,
        to_number=CLINIC_NUMBER,
        body=f"ack #{event.pk}",
    )
    event.refresh_from_db()
    assert event.state == EventState.OPEN
    inbound_sms_record(
        provider_id="SMz",
        from_number=CLINICIAN_PHONE,
        to_number=CLINIC_NUMBER,
        body=f"ack #{event.ack_code}",
    )
    event.refresh_from_db()
    assert event.state == EventState.ACKNOWLEDGED


def test_pressing_1_on_the_escalation_call_acknowledges(event, team, settings):
    escalation_tick()
    with time_machine.travel(timezone.now() + timedelta(minutes=5, seconds=1), tick=False):
        escalation_tick()
    on_call = team["on_call"]
    call = OutboundMessage.objects.get(about_id=str(event.pk), channel=Channel.VOICE, user=on_call)
    assert call.about_type == ContentType.objects.get_for_model(CrisisEvent)
    path = f"/hooks/crisis/voice/{event.pk}/{on_call.pk}"
    assert call.context["voice_url"] == f"https://harbor.example.org{path}"

    prompt = post_signed(path, {"CallSid": "CA1"})
    assert prompt.status_code == 200
    assert b"<Gather" in prompt.content and b"Press 1" in prompt.content
    assert post_signed(f"{path}/pressed", {"CallSid": "CA1", "Digits": "2"}).status_code == 200
    event.refresh_from_db()
    assert event.state == EventState.OPEN
    # Someone never called about this crisis cannot acknowledge it by phone.
    stranger = f"/hooks/crisis/voice/{event.pk}/{team['supervisor'].pk}/pressed"
    assert b"no longer available" in post_signed(stranger, {"Digits": "1"}).content
    pressed = post_signed(f"{path}/pressed", {"CallSid": "CA1", "Digits": "1"})
    assert b"acknowledged" in pressed.content
    event.refresh_from_db()
    assert event.state == "acknowledged"
    assert (event.acknowledged_by, event.acknowledged_via) == (on_call, "voice")


def test_the_voice_hooks_refuse_unsigned_requests(event, team):
    from django.test import Client

    assert (
        Client()
        .post(f"/hooks/crisis/voice/{event.pk}/{team['primary'].pk}/pressed", {"Digits": "1"})
        .status_code
        == 403
    )


def test_crisis_words_in_a_client_text_open_an_event_and_reply_with_the_lines(team, policy):
    result = inbound_sms_record(
        provider_id="SMk",
        from_number=CLIENT_PHONE,
        to_number=CLINIC_NUMBER,
        body="I can't go on, I want to die",
    )
    event = CrisisEvent.objects.get()
    assert event.source == CrisisSource.SMS_KEYWORD and "can't go on" in event.summary
    assert "988" in result.replies[0]
    assert "crisis.keywords" in result.inbound.handled_by


def test_ordinary_texts_open_nothing(team):
    inbound_sms_record(
        provider_id="SMo",
        from_number=CLIENT_PHONE,
        to_number=CLINIC_NUMBER,
        body="running late, traffic is killing me",
    )
    assert not CrisisEvent.objects.exists()


def test_a_client_calling_the_hotline_opens_an_event(team, policy):
    hotline_call_record(provider_id="CAh", from_number=CLIENT_PHONE, to_number=CLINIC_NUMBER)
    assert CrisisEvent.objects.get().source == CrisisSource.HOTLINE


def test_the_step_messages_are_crisis_purpose(event, team):
    message = _escalation_text(team, event)
    assert message.purpose == Purpose.CRISIS
    assert event.timeline.filter(kind=TimelineKind.NOTIFIED, message=message).exists()


def test_a_client_cannot_touch_someone_elses_event(event, other_client_profile):
    browser = sign_in(other_client_profile.user)
    response = browser.post(
        f"/crisis/events/{event.pk}/location/", {"latitude": "1", "longitude": "1"}
    )
    assert response.status_code == 404
    event.refresh_from_db()
    assert event.location == ""
