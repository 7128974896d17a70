"""Opening, acknowledging, locating, annotating and resolving crisis events."""

from __future__ import annotations

import hmac
import math
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from crisis.models import CrisisEvent, CrisisSource, Disposition, EventState, TimelineKind
from crisis.models.events import UNRESOLVED
from crisis.selectors import can_respond, client_reachable_by, crisis_events_visible_to
from crisis.services.follow_ups import _follow_ups_create
from crisis.services.live import to_help_page, to_supervisors
from crisis.services.planning import escalation_plan_for, kick_after_commit
from crisis.services.resolution import _resolution_told
from crisis.services.timeline import client_short_name, event_payload, timeline_add
from iop.accounts.models import ClientProfile, Role, User
from iop.audit.models import Action
from iop.audit.services import access_record
from iop.consents.models import ConsentKind
from iop.consents.selectors import consent_is_active
from iop.domain import Conflict, NotAllowed, NotFound
from iop.realtime.publish import publish_about_client
from iop.viewer import Actor, api_key_of, person_of

SUMMARY_MAX = 1000
NOTE_MAX = 4000
# Who may open an event from where; the system (actor None) may open from any source.
CLIENT_SOURCES = (CrisisSource.HELP_BUTTON,)
STAFF_SOURCES = (CrisisSource.CLINICIAN,)
KEY_SOURCES = (CrisisSource.API, CrisisSource.HOTLINE)
ACK_CODE_DIGITS = 4
MAX_SMS_ACK_FAILURES = 5


def _require_can_open(actor: Actor, client: ClientProfile, source: str) -> None:
    from iop.api.models import ApiKey, Scope

    if source not in CrisisSource.values:
        raise ValidationError({"source": [f"Choose one of: {', '.join(CrisisSource.values)}."]})
    if actor is None:
        return
    person = person_of(actor)
    allowed: tuple[CrisisSource, ...]
    if isinstance(actor, ApiKey):
        if not actor.has_scope(Scope.CRISIS_WRITE) or actor.program_id != client.program_id:
            raise NotAllowed("This API key cannot open crisis events for this client.")
        allowed = KEY_SOURCES
    elif person is None:
        raise NotAllowed("Sign in to open a crisis event.")
    elif person.role == Role.CLIENT:
        if client.user_id != person.pk:
            raise NotAllowed("You can only ask for help for yourself.")
        allowed = CLIENT_SOURCES
    elif person.is_clinical and client_reachable_by(person, client):
        allowed = STAFF_SOURCES
    else:
        raise NotAllowed("You cannot open a crisis event for this client.")
    if source not in allowed:
        raise ValidationError({"source": [f"You can open events from: {', '.join(allowed)}."]})


def crisis_open(
    *,
    actor: Actor,
    client: ClientProfile,
    source: str,
    summary: str = "",
    timeline_data: dict[str, Any] | None = None,
) -> tuple[CrisisEvent, bool]:
    """Open a crisis (or join the client's unresolved one); its first step is due at once.

    Who may open one: a client for themselves (the help button), a clinician for a client they
    can reach, an API key with crisis:write in its program; Harbor itself (actor None: an
    inbound text or call) from any source.

    Needs only PostgreSQL: the step is a due row, and handing it to a worker after commit is
    best effort. `timeline_data` goes on the timeline entry (a link to where the words were
    written). Returns (event, created).
    """
    _require_can_open(actor, client, source)
    summary = summary.strip()
    if len(summary) > SUMMARY_MAX:
        raise ValidationError({"summary": [f"Keep the summary under {SUMMARY_MAX} characters."]})
    with transaction.atomic():
        return _open_locked(
            actor=actor, client=client, source=source, summary=summary, data=timeline_data
        )


def _open_locked(
    *,
    actor: Actor,
    client: ClientProfile,
    source: str,
    summary: str,
    data: dict[str, Any] | None = None,
) -> tuple[CrisisEvent, bool]:
    """crisis_open without the permission check, inside the caller's transaction.

    For services only: `crisis_open` after its check, and `check_in_submit` for a high-risk
    check-in (the check-in's own permission covers the event it opens).
    """
    ClientProfile.objects.select_for_update().filter(pk=client.pk).get()  # one press at a time
    existing = (
        CrisisEvent.objects.select_for_update()
        .select_related("client__user")
        .filter(client=client, state__in=UNRESOLVED)
        .first()
    )
    if existing is not None:
        timeline_add(
            existing,
            TimelineKind.RAISED_AGAIN,
            actor=actor,
            text=f"Raised again: {CrisisSource(source).label}."
            + (f" {summary}" if summary else ""),
            data={"source": source, **(data or {})},
        )
        access_record(actor=actor, action=Action.UPDATE, client=client, obj=existing)
        if existing.notified_user_ids:
            publish_about_client(
                "crisis.raised_again",
                event_payload(
                    existing,
                    title=f"Crisis: {client_short_name(existing)} asked for help again",
                ),
                client_id=existing.client_id,
                user_ids=existing.notified_user_ids,
            )
        to_supervisors(existing, "asked for help again")
        return existing, False
    policy, plan = escalation_plan_for(client)
    now = timezone.now()
    event = CrisisEvent.objects.create(
        client=client,
        ack_code=_new_ack_code(),
        source=source,
        summary=summary,
        opened_by=person_of(actor),
        opened_at=now,
        policy=policy,
        escalation_plan=plan.to_json(),
        next_step_due_at=now,
    )
    event.client = client
    timeline_add(
        event,
        TimelineKind.OPENED,
        actor=actor,
        at=now,
        text=f"Opened: {CrisisSource(source).label}." + (f" {summary}" if summary else ""),
        data={"policy": plan.policy_name, **(data or {})},
    )
    access_record(actor=actor, action=Action.CREATE, client=client, obj=event)
    # The program's supervisors see every crisis from its first second, whoever's caseload it
    # is on; the steps' alerts (ticking.py) reach the people each step names.
    to_supervisors(event, f"new: {CrisisSource(source).label.lower()}; escalation starting")
    kick_after_commit(event.pk, 0, 0)
    return event, True


def _new_ack_code() -> str:
    """Four random digits, not shared with another unresolved event (so one reply means one)."""
    taken = set(CrisisEvent.objects.filter(state__in=UNRESOLVED).values_list("ack_code", flat=True))
    while True:
        code = f"{secrets.randbelow(10**ACK_CODE_DIGITS):0{ACK_CODE_DIGITS}d}"
        if code not in taken:
            return code


def _locked(event: CrisisEvent) -> CrisisEvent:
    return (
        CrisisEvent.objects.select_for_update(of=("self",))
        .select_related("client__user")
        .get(pk=event.pk)
    )


def _require_responder(actor: Actor, event: CrisisEvent) -> None:
    # Harbor itself (actor None) never acknowledges, resolves or annotates a crisis.
    if actor is None or not can_respond(actor, event):
        raise NotAllowed("You cannot act on this crisis event.")


def crisis_acknowledge(*, actor: Actor, event: CrisisEvent, via: str = "dashboard") -> CrisisEvent:
    """A person has the crisis in hand: escalation stops (an acknowledged event stays so).

    An API key is not a person and cannot acknowledge: only someone who will act stops the
    escalation.
    """
    if api_key_of(actor) is not None:
        raise NotAllowed(
            "An API key cannot acknowledge a crisis: a person acknowledges it, from the "
            "dashboard, by text or by phone."
        )
    _require_responder(actor, event)
    with transaction.atomic():
        event = _locked(event)
        if event.state == EventState.RESOLVED:
            raise Conflict(
                f"Crisis #{event.pk} is already resolved; it cannot be acknowledged.",
                fields={"state": ["This event is resolved; there is nothing to acknowledge."]},
            )
        if event.state == EventState.ACKNOWLEDGED:
            return event
        now = timezone.now()
        event.state = EventState.ACKNOWLEDGED
        event.acknowledged_by = person_of(actor)
        event.acknowledged_at = now
        event.acknowledged_via = via[:16]
        event.next_step_due_at = None
        event.save(
            update_fields=[
                "state",
                "acknowledged_by",
                "acknowledged_at",
                "acknowledged_via",
                "next_step_due_at",
            ]
        )
        timeline_add(
            event, TimelineKind.ACKNOWLEDGED, actor=actor, at=now, text=f"Acknowledged ({via})."
        )
        access_record(actor=actor, action=Action.UPDATE, client=event.client, obj=event)
        _announce(event, "crisis.acknowledged", f"acknowledged by {event.acknowledged_by or 'API'}")
        to_help_page(event)
    return event


def crisis_acknowledge_by_code(*, actor: User, code: str, via: str = "sms") -> CrisisEvent:
    """A staff member's text "ACK <code>" acknowledges the unresolved crisis they were alerted
    to whose code it is; wrong codes count against those events, and after
    MAX_SMS_ACK_FAILURES an event no longer accepts codes by text."""
    candidates = list(
        crisis_events_visible_to(actor)
        .filter(notified_user_ids__contains=[actor.pk])
        .filter(Q(state=EventState.OPEN) | Q(state=EventState.ACKNOWLEDGED, acknowledged_by=actor))
        .order_by("-opened_at")
    )
    open_to_texts = [e for e in candidates if e.sms_ack_failures < MAX_SMS_ACK_FAILURES]
    for event in open_to_texts:
        if event.ack_code and hmac.compare_digest(event.ack_code, code):
            return crisis_acknowledge(actor=actor, event=event, via=via)
    with transaction.atomic():
        for event in open_to_texts:
            failures = event.sms_ack_failures + 1
            CrisisEvent.objects.filter(pk=event.pk).update(
                sms_ack_failures=F("sms_ack_failures") + 1
            )
            if failures == MAX_SMS_ACK_FAILURES:
                timeline_add(
                    event,
                    TimelineKind.NOTE,
                    text=f"{MAX_SMS_ACK_FAILURES} wrong acknowledgement codes by text: texts no "
                    "longer acknowledge this crisis (the dashboard and calls still do).",
                    data={"sms_ack_locked": True},
                )
    if candidates and not open_to_texts:
        raise Conflict(
            "Too many wrong codes: acknowledge from the Harbor dashboard or the call.",
            fields={"code": ["Too many wrong codes."]},
        )
    raise NotFound(
        "That code matches no open crisis of yours. Reply with the code from the alert, "
        "for example ACK 4821.",
    )


def crisis_resolve(
    *, actor: Actor, event: CrisisEvent, disposition: str, note: str = ""
) -> CrisisEvent:
    """Close the crisis with how it ended; follow-ups are created and check-ins step up."""
    if not disposition:
        raise ValidationError({"disposition": ["Choose how the crisis ended (the disposition)."]})
    if disposition not in Disposition.values:
        raise ValidationError(
            {
                "disposition": [
                    f"Unknown disposition {disposition!r}; choose one of: {', '.join(Disposition.values)}."
                ]
            }
        )
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": [f"Keep the note under {NOTE_MAX} characters."]})
    _require_responder(actor, event)
    with transaction.atomic():
        event = _locked(event)
        if event.state == EventState.RESOLVED:
            raise Conflict(
                f"Crisis #{event.pk} is already resolved.",
                fields={"state": ["This event is already resolved."]},
            )
        now = timezone.now()
        if event.acknowledged_at is None:
            event.acknowledged_at, event.acknowledged_by = now, person_of(actor)
            event.acknowledged_via = "resolved"
        event.state = EventState.RESOLVED
        event.resolved_at, event.resolved_by = now, person_of(actor)
        event.disposition, event.resolution_note = disposition, note
        event.next_step_due_at = None
        event.save()
        timeline_add(
            event,
            TimelineKind.RESOLVED,
            actor=actor,
            at=now,
            text=f"Resolved: {Disposition(disposition).label}." + (f" {note}" if note else ""),
            data={"disposition": disposition},
        )
        _follow_ups_create(event=event, actor=actor, now=now)
        _resolution_told(actor=actor, event=event, at=now)
        access_record(actor=actor, action=Action.UPDATE, client=event.client, obj=event)
        _announce(event, "crisis.resolved", f"resolved: {Disposition(disposition).label.lower()}")
        to_help_page(event)
    return event


def crisis_location_attach(
    *, actor: Actor, event: CrisisEvent, latitude: Any, longitude: Any, accuracy: Any = None
) -> CrisisEvent:
    """The client's browser shares where they are; only with their active location consent."""
    person = person_of(actor)
    if person is None or event.client.user_id != person.pk:
        raise NotAllowed("Only the client can share their location.")
    lat, lon, acc = (
        _coordinate(latitude, "latitude", 90),
        _coordinate(longitude, "longitude", 180),
        None,
    )
    if accuracy not in (None, ""):
        acc = _coordinate(accuracy, "accuracy", 1_000_000)
    if not consent_is_active(event.client, ConsentKind.LOCATION):
        raise NotAllowed("You have not agreed to share your location, so it was not sent.")
    with transaction.atomic():
        event = _locked(event)
        if event.state == EventState.RESOLVED:
            raise Conflict(
                "This crisis is resolved.", fields={"state": ["This event is resolved."]}
            )
        event.location = f"{lat:.6f},{lon:.6f}," + (f"{acc:.0f}" if acc is not None else "")
        event.location_at = timezone.now()
        event.save(update_fields=["location", "location_at"])
        timeline_add(
            event,
            TimelineKind.LOCATION,
            actor=actor,
            text="Location shared from the client's browser"
            + (f" (accurate to about {acc:.0f} m)." if acc is not None else "."),
        )
        access_record(actor=actor, action=Action.UPDATE, client=event.client, obj=event)
        _announce(event, "crisis.location", "shared their location")
    return event


def _coordinate(raw: Any, name: str, limit: float) -> float:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ValidationError({name: [f"{name.capitalize()} must be a number."]}) from None
    if not math.isfinite(value) or abs(value) > limit or (name == "accuracy" and value < 0):
        raise ValidationError({name: [f"{name.capitalize()} is out of range."]})
    return value


def crisis_note_add(*, actor: Actor, event: CrisisEvent, text: str) -> None:
    """A responder adds a note to the timeline (a call made, what the client said)."""
    text = text.strip()
    if not text:
        raise ValidationError({"text": ["Write the note first."]})
    if len(text) > NOTE_MAX:
        raise ValidationError({"text": [f"Keep the note under {NOTE_MAX} characters."]})
    _require_responder(actor, event)
    with transaction.atomic():
        timeline_add(event, TimelineKind.NOTE, actor=actor, text=text)
        access_record(actor=actor, action=Action.UPDATE, client=event.client, obj=event)


def _announce(event: CrisisEvent, name: str, what: str) -> None:
    publish_about_client(
        name,
        event_payload(event, title=f"Crisis #{event.pk} ({client_short_name(event)}) {what}"),
        client_id=event.client_id,
        user_ids=event.notified_user_ids,
        everyone=True,
    )


def crisis_mistake_report(*, actor: Actor, event: CrisisEvent, words: str = "") -> CrisisEvent:
    """The client says they pressed help by mistake: their words go on the timeline and to the
    responders, and escalation goes on: only a staff member acknowledges or resolves."""
    person = person_of(actor)
    if person is None or event.client.user_id != person.pk:
        raise NotAllowed("Only the client who asked for help can say it was a mistake.")
    words = words.strip()
    if len(words) > SUMMARY_MAX:
        raise ValidationError({"words": [f"Keep it under {SUMMARY_MAX} characters."]})
    with transaction.atomic():
        event = _locked(event)
        if event.state == EventState.RESOLVED:
            raise Conflict(
                "This request for help is already closed.",
                fields={"state": ["This request for help is already closed."]},
            )
        timeline_add(
            event,
            TimelineKind.NOTE,
            actor=actor,
            text="The client says they pressed help by mistake"
            + (f": \u201c{words}\u201d" if words else ".")
            + " Escalation continues until a staff member acknowledges.",
            data={"mistake": True},
        )
        access_record(actor=actor, action=Action.UPDATE, client=event.client, obj=event)
        publish_about_client(
            "crisis.client_says",
            event_payload(
                event,
                title=f"Crisis #{event.pk} ({client_short_name(event)}): the client says it "
                "was a mistake. Still open: check on them and acknowledge.",
            ),
            client_id=event.client_id,
            user_ids=event.notified_user_ids,
            everyone=True,
        )
        to_help_page(event)
    return event
