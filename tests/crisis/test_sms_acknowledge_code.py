"""Issue 10.3: a text acknowledges a crisis only with the event's code, from the alerted staff
member's verified number; API keys cannot acknowledge; "press 1" on Harbor's call still does."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from crisis.models import CrisisEvent, CrisisSource, EventState, TimelineEntry
from crisis.services import crisis_acknowledge, crisis_open, escalation_tick
from crisis.services.events import MAX_SMS_ACK_FAILURES
from iop.api.models import Scope
from iop.api.services import api_key_create
from iop.domain import NotAllowed
from iop.notify.models import Channel, OutboundMessage
from iop.notify.services import inbound_sms_record
from tests.conftest import sign_in
from tests.crisis.conftest import CLINIC_NUMBER, CLINICIAN_PHONE

pytestmark = pytest.mark.django_db

_texts = iter(range(10**6))


@pytest.fixture
def event(team, policy):
    opened, _ = crisis_open(
        actor=team["client"].user, client=team["client"], source=CrisisSource.HELP_BUTTON
    )
    escalation_tick()  # the primary clinician is texted
    return opened


def text_from(number: str, body: str):
    return inbound_sms_record(
        provider_id=f"SMcode{next(_texts)}", from_number=number, to_number=CLINIC_NUMBER, body=body
    )


def alert_code(event: CrisisEvent) -> str:
    alert = OutboundMessage.objects.get(
        about_id=str(event.pk), to=CLINICIAN_PHONE, channel=Channel.SMS
    )
    found = re.search(r"Reply ACK (\d{4}) to acknowledge", alert.body)
    assert found is not None, alert.body
    return found.group(1)


def state_of(event: CrisisEvent) -> str:
    event.refresh_from_db()
    return event.state


def test_the_alert_text_carries_the_events_own_code(event):
    code = alert_code(event)
    event.refresh_from_db()
    assert code == event.ack_code
    assert "Reply 1" not in OutboundMessage.objects.get(about_id=str(event.pk)).body


@pytest.mark.parametrize("body", ["1", "ACK", "ok", f"ACK {0}", "ACK 12"])
def test_ack_without_the_code_acknowledges_nothing(event, body):
    body = body.replace(" 0", f" {event.pk}")  # "ACK <event id>" used to work
    result = text_from(CLINICIAN_PHONE, body)

    assert state_of(event) == EventState.OPEN
    assert "not acknowledged" in result.replies[0]
    assert "ACK 4821" in result.replies[0]  # tells the person how to reply


@pytest.mark.parametrize("shape", ["ACK {}", "ack{}", "  Ack   {} ", "acknowledge #{}.", "OK {}!"])
def test_the_code_from_the_staff_members_verified_number_acknowledges(event, team, shape):
    result = text_from(CLINICIAN_PHONE, shape.format(alert_code(event)))

    event.refresh_from_db()
    assert (event.state, event.acknowledged_by, event.acknowledged_via) == (
        EventState.ACKNOWLEDGED,
        team["primary"],
        "sms",
    )
    assert result.replies == [
        f"Harbor Virtual IOP: crisis #{event.pk} acknowledged. Escalation stopped."
    ]


def test_the_right_code_from_a_forged_or_unknown_number_does_nothing(event):
    code = alert_code(event)
    result = text_from("+14155550000", f"ACK {code}")

    assert state_of(event) == EventState.OPEN
    assert result.replies == [] or "acknowledged" not in " ".join(result.replies)


def test_the_code_from_a_staff_member_who_was_not_alerted_does_nothing(event, team):
    # The supervisor can see the event but was not sent this alert (the first step is the
    # primary's), so they have no code to give.
    supervisor = team["supervisor"]
    result = text_from(supervisor.phone, f"ACK {alert_code(event)}")

    assert state_of(event) == EventState.OPEN
    assert "matches no open crisis" in result.replies[0]


def test_an_unverified_number_on_the_account_cannot_acknowledge(event, team):
    clinician = team["primary"]
    clinician.phone_verified_at = None
    clinician.save(update_fields=["phone_verified_at"])

    text_from(CLINICIAN_PHONE, f"ACK {alert_code(event)}")

    assert state_of(event) == EventState.OPEN


def test_wrong_codes_are_counted_and_then_texts_stop_acknowledging(event):
    code = alert_code(event)
    wrong = f"{(int(code) + 1) % 10000:04d}"
    for _ in range(MAX_SMS_ACK_FAILURES):
        reply = text_from(CLINICIAN_PHONE, f"ACK {wrong}").replies[0]
        assert "matches no open crisis" in reply

    reply = text_from(CLINICIAN_PHONE, f"ACK {code}").replies[0]

    assert state_of(event) == EventState.OPEN
    assert "Too many wrong codes" in reply
    assert TimelineEntry.objects.filter(event=event, data__sms_ack_locked=True).count() == 1


def test_open_events_get_different_codes(team, policy, other_client_profile):
    first, _ = crisis_open(
        actor=team["client"].user, client=team["client"], source=CrisisSource.HELP_BUTTON
    )
    second, _ = crisis_open(
        actor=other_client_profile.user,
        client=other_client_profile,
        source=CrisisSource.HELP_BUTTON,
    )
    assert re.fullmatch(r"\d{4}", first.ack_code)
    assert first.ack_code != second.ack_code


def test_api_keys_cannot_acknowledge(event, team, admin_user, program):
    key, token = api_key_create(
        actor=admin_user,
        name="EHR",
        program=program,
        scopes=[Scope.CRISIS_READ, Scope.CRISIS_WRITE],
        expires_at=timezone.now() + timedelta(days=30),
    )
    key_client = Client(headers={"authorization": f"Bearer {token}"})
    response = key_client.post(f"/api/v1/crisis-events/{event.pk}/acknowledge/")

    assert response.status_code == 403
    assert "API key cannot acknowledge" in response.json()["error"]["message"]
    assert state_of(event) == EventState.OPEN
    with pytest.raises(NotAllowed):
        crisis_acknowledge(actor=key, event=event)
    assert state_of(event) == EventState.OPEN
    # A person still can, over the same endpoint.
    acked = sign_in(team["primary"]).post(f"/api/v1/crisis-events/{event.pk}/acknowledge/")
    assert acked.status_code == 200
