"""Writing the timeline and the live-feed shape of an event, shared by every crisis service."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.urls import reverse

from crisis.models import CrisisEvent, TimelineEntry
from iop.notify.models import OutboundMessage
from iop.viewer import Actor, api_key_of, person_of


def label_of(actor: Actor) -> str:
    """How the timeline names who acted: the person, the API key, or Harbor itself."""
    key = api_key_of(actor)
    if key is not None:
        return f"api-key:{key.prefix} ({key.name})"
    person = person_of(actor)
    return person.display_name if person is not None else "Harbor"


def timeline_add(
    event: CrisisEvent,
    kind: str,
    *,
    actor: Actor = None,
    text: str = "",
    message: OutboundMessage | None = None,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> TimelineEntry:
    fields: dict[str, Any] = {"at": at} if at is not None else {}
    return TimelineEntry.objects.create(
        event=event,
        kind=kind,
        actor=person_of(actor),
        actor_label=label_of(actor),
        text=text,
        message=message,
        data=data or {},
        **fields,
    )


def client_short_name(event: CrisisEvent) -> str:
    """First name and initial: enough for staff to know who, little for a lost phone to leak."""
    user = event.client.user
    name = (user.preferred_name or user.full_name or "").split()
    if not name:
        return f"client {event.client.record_number}"
    return name[0] + (f" {name[-1][0]}." if len(name) > 1 else "")


def event_url(event: CrisisEvent) -> str:
    return reverse("crisis_staff:event", args=[event.pk])


def event_payload(event: CrisisEvent, **extra: Any) -> dict[str, Any]:
    """What the live feed carries about an event (staff only; no clinical detail)."""
    return {
        "event_id": event.pk,
        "client_id": event.client_id,
        "client": client_short_name(event),
        "state": event.state,
        "source": event.source,
        "source_label": event.get_source_display(),
        "opened_at": event.opened_at.isoformat(),
        "unacknowledged": event.unacknowledged_at is not None,
        "url": event_url(event),
        **extra,
    }
