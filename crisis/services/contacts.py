"""Telling a client's emergency contacts: only with consent, or a recorded imminent-risk override."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from crisis.models import ContactOverride, CrisisEvent, EventState, TimelineEntry, TimelineKind
from crisis.selectors import can_respond, supervisors_of
from crisis.services.timeline import client_short_name, event_payload, timeline_add
from iop.accounts.models import EmergencyContact
from iop.audit.models import Action
from iop.audit.services import access_record
from iop.consents.models import ConsentKind
from iop.consents.selectors import consent_is_active
from iop.domain import Conflict, NotAllowed
from iop.notify.models import Channel, Purpose
from iop.notify.services import message_enqueue
from iop.realtime.publish import publish_about_client
from iop.viewer import Actor, person_of

REASON_MIN = 10


def emergency_contact_notify(
    *, actor: Actor, event: CrisisEvent, contact: EmergencyContact, override_reason: str = ""
) -> TimelineEntry:
    """Text an emergency contact that the client needs support.

    Needs the client's active emergency-contact consent. Without it only an imminent-risk
    override goes ahead: the reason, who and when are recorded and shown to supervisors.
    """
    person = person_of(actor)
    if person is None or not can_respond(person, event):
        raise NotAllowed(
            "Only a clinician responding to this crisis can contact emergency contacts."
        )
    if contact.client_id != event.client_id:
        raise NotAllowed("That contact belongs to another client.")
    reason = (override_reason or "").strip()
    consented = consent_is_active(event.client, ConsentKind.EMERGENCY_CONTACT)
    if not consented and len(reason) < REASON_MIN:
        raise ValidationError(
            {
                "override_reason": [
                    "The client has not consented to us contacting their emergency contacts. "
                    "Only if they are at imminent risk: say why (at least "
                    f"{REASON_MIN} characters); the override is recorded and shown to supervisors."
                ]
            }
        )
    with transaction.atomic():
        event = (
            CrisisEvent.objects.select_for_update(of=("self",))
            .select_related("client__user")
            .get(pk=event.pk)
        )
        if event.state == EventState.RESOLVED:
            raise Conflict(
                "This crisis is resolved.", fields={"state": ["This event is resolved."]}
            )
        attempt = (
            event.timeline.filter(kind=TimelineKind.CONTACT, data__contact_id=contact.pk).count()
            + 1
        )
        message = message_enqueue(
            actor=person,
            channel=Channel.SMS,
            purpose=Purpose.CRISIS,
            idempotency_key=f"crisis:{event.pk}:contact:{contact.pk}:{attempt}",
            to=contact.phone,
            client=event.client,
            about=event,
            body=(
                f"{settings.CLINIC_NAME}: {client_short_name(event).split()[0]} listed you as an "
                f"emergency contact. They need support right now. Please call us on "
                f"{settings.CLINIC_CRISIS_LINE}. If they are in immediate danger, call 911."
            ),
        )
        basis = "consent" if consented else "override"
        if not consented:
            ContactOverride.objects.create(
                event=event,
                contact=contact,
                contact_label=f"{contact.name} ({contact.relationship})",
                actor=person,
                at=timezone.now(),
                reason=reason,
            )
            timeline_add(
                event, TimelineKind.OVERRIDE, actor=person, text=f"Imminent-risk override: {reason}"
            )
            supervisors = supervisors_of(event.client.program_id)
            publish_about_client(
                "crisis.override",
                event_payload(
                    event,
                    title=f"{person.display_name} contacted an emergency contact of "
                    f"{client_short_name(event)} without consent (override)",
                ),
                client_id=event.client_id,
                user_ids=[s.pk for s in supervisors],
            )
        entry = timeline_add(
            event,
            TimelineKind.CONTACT,
            actor=person,
            text=f"Text to emergency contact {contact.name} ({contact.relationship}), attempt {attempt}, "
            f"on the basis of {'the client’s consent' if consented else 'an imminent-risk override'}.",
            message=message,
            data={"contact_id": contact.pk, "attempt": attempt, "basis": basis},
        )
        access_record(actor=person, action=Action.CREATE, client=event.client, obj=message)
    return entry
