"""Emergency contacts: only with consent, or an imminent-risk override recorded and shown."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from crisis.models import ContactOverride, CrisisSource, TimelineKind
from crisis.services import crisis_open, crisis_resolve, emergency_contact_notify
from iop.consents.models import ConsentKind
from iop.domain import Conflict, NotAllowed
from iop.notify.models import OutboundMessage, Status
from iop.notify.services import message_dispatch, receipt_apply
from tests.conftest import sign_in
from tests.factories import EmergencyContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(team, policy):
    opened, _ = crisis_open(
        actor=team["client"].user, client=team["client"], source=CrisisSource.HELP_BUTTON
    )
    return opened


def test_without_consent_or_a_reason_nobody_is_contacted(event, team, contact):
    with pytest.raises(ValidationError) as caught:
        emergency_contact_notify(actor=team["primary"], event=event, contact=contact)
    assert "override_reason" in caught.value.message_dict
    assert not OutboundMessage.objects.filter(to=contact.phone).exists()
    assert not ContactOverride.objects.exists()


def test_with_consent_the_contact_is_texted_and_delivery_shows_on_the_timeline(
    event, team, contact, grant
):
    grant(team["client"], ConsentKind.EMERGENCY_CONTACT)
    entry = emergency_contact_notify(actor=team["primary"], event=event, contact=contact)
    message = entry.message
    assert (message.to, message.purpose, message.channel) == (contact.phone, "crisis", "sms")
    assert "Casey" in message.body and "911" in message.body
    assert entry.data["basis"] == "consent" and not ContactOverride.objects.exists()

    assert message_dispatch(message_id=message.pk, claim=str(message.claim)) == "sent"
    message.refresh_from_db()
    receipt_apply(provider_id=message.provider_id, provider_status="delivered")
    page = sign_in(team["primary"]).get(f"/staff/crisis/{event.pk}/").content.decode()
    assert "Text to emergency contact Sam Sister" in page
    assert "delivery-delivered" in page


def test_the_imminent_risk_override_records_who_when_and_why_for_supervisors(event, team, contact):
    reason = "Client said they have pills in hand and stopped answering"
    entry = emergency_contact_notify(
        actor=team["on_call"], event=event, contact=contact, override_reason=reason
    )
    override = ContactOverride.objects.get()
    assert (override.actor, override.reason, override.event) == (team["on_call"], reason, event)
    assert entry.data["basis"] == "override"
    assert event.timeline.filter(kind=TimelineKind.OVERRIDE).exists()

    page = sign_in(team["supervisor"]).get("/staff/crisis/overrides/")
    assert page.status_code == 200 and reason in page.content.decode()
    assert sign_in(team["primary"]).get("/staff/crisis/overrides/").status_code == 403


def test_a_page_post_without_reason_shows_the_field_error(event, team, contact):
    browser = sign_in(team["primary"])
    response = browser.post(
        f"/staff/crisis/{event.pk}/contacts/{contact.pk}/notify/", {"override_reason": ""}
    )
    assert response.status_code == 400
    assert "has not consented" in response.content.decode()
    assert not OutboundMessage.objects.filter(to=contact.phone).exists()


def test_another_clients_contact_and_outsiders_are_refused(
    event, team, other_client_profile, other_clinician, contact
):
    stranger = EmergencyContactFactory(client=other_client_profile, priority=1)
    with pytest.raises(NotAllowed):
        emergency_contact_notify(
            actor=team["primary"], event=event, contact=stranger, override_reason="x" * 20
        )
    with pytest.raises(NotAllowed):
        emergency_contact_notify(
            actor=other_clinician, event=event, contact=contact, override_reason="x" * 20
        )


def test_a_resolved_event_contacts_nobody(event, team, contact, grant):
    grant(team["client"], ConsentKind.EMERGENCY_CONTACT)
    crisis_resolve(actor=team["primary"], event=event, disposition="de_escalated")
    with pytest.raises(Conflict):
        emergency_contact_notify(actor=team["primary"], event=event, contact=contact)


def test_consent_withdrawn_closes_the_gate_again(event, team, contact, grant):
    from iop.consents.services import consent_withdraw

    grant(team["client"], ConsentKind.EMERGENCY_CONTACT)
    consent_withdraw(
        actor=team["primary"],
        client=team["client"],
        kind=ConsentKind.EMERGENCY_CONTACT,
        method="in_session",
    )
    with pytest.raises(ValidationError):
        emergency_contact_notify(actor=team["primary"], event=event, contact=contact)
    assert Status.QUEUED not in OutboundMessage.objects.filter(to=contact.phone).values_list(
        "status", flat=True
    )
