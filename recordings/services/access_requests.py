"""Clients' requests for access to recordings they appear in: asked, decided in time (else
escalated to the program's supervisors), withdrawn.

Every message says only that there is something to look at, with a link: no client's name and
nothing the client or the clinician wrote (the outbox leaves Harbor; the pages are audited).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from iop.accounts.models import ClientProfile, Role, User
from iop.audit.models import Action
from iop.audit.services import access_record
from iop.domain import Conflict, NotAllowed, NotFound
from iop.notify.models import Channel, Purpose
from iop.notify.services.outbox import message_enqueue
from iop.realtime.publish import publish_about_client
from iop.viewer import Actor, person_of
from recordings.models import (
    AccessRequestState,
    Recording,
    RecordingAccessRequest,
    RecordingState,
    SegmentParticipant,
    SegmentState,
)
from sessions_app.selectors import care_team_ids, facilitator_ids

log = logging.getLogger(__name__)

REASON_MAX = 500
STAFF_QUEUE_PATH = "/staff/recordings/requests/"


def recording_path(recording_id: int) -> str:
    """The client's page of a recording (the playback work names it `recordings:detail`)."""
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("recordings:detail", args=[recording_id])
    except NoReverseMatch:
        return f"/recordings/{recording_id}/"


def client_profile_of(person: User | None) -> ClientProfile | None:
    if person is None or not person.is_active or person.role != Role.CLIENT:
        return None
    return ClientProfile.objects.select_related("user").filter(user=person).first()


def appears_in(client: ClientProfile, recording: Recording) -> bool:
    """The client is in a stored segment of a recording that has not been purged."""
    if recording.wrapped_key is None or recording.state == RecordingState.PURGED:
        return False
    return SegmentParticipant.objects.filter(
        segment__recording=recording, segment__state=SegmentState.STORED, user_id=client.user_id
    ).exists()


def program_supervisors(program_id: int) -> list[User]:
    return list(
        User.objects.filter(
            role=Role.SUPERVISOR, is_active=True, staff_profile__program_id=program_id
        ).order_by("pk")
    )


def may_decide(actor: Actor, request: RecordingAccessRequest) -> bool:
    """The client's care team, the session's facilitators, or a supervisor of the program."""
    person = person_of(actor)
    if person is None or not person.is_active or not person.is_clinical:
        return False
    client = request.client
    if person.pk in care_team_ids(client) or person.pk in facilitator_ids(
        request.recording.session
    ):
        return True
    return person.role == Role.SUPERVISOR and any(
        s.pk == person.pk for s in program_supervisors(client.program_id)
    )


def _reason(value: str, field: str, *, required: bool, why: str = "") -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({field: [why]})
    if len(text) > REASON_MAX:
        raise ValidationError({field: [f"Keep it under {REASON_MAX} characters."]})
    return text


def access_request_create(
    *, actor: Actor, recording: Recording, reason: str = ""
) -> RecordingAccessRequest:
    """A client asks to watch a stored recording they appear in; one pending request at a time."""
    person = person_of(actor)
    client = client_profile_of(person)
    if client is None:
        raise NotAllowed("Only a client asks for access to a recording they appear in.")
    reason = _reason(reason, "reason", required=False)
    if not appears_in(client, recording):
        raise NotFound("No such recording among yours.")
    now = timezone.now()
    try:
        with transaction.atomic():
            request = RecordingAccessRequest.objects.create(
                recording=recording,
                client=client,
                reason=reason,
                due_at=now + timedelta(hours=settings.RECORDING_ACCESS_DECISION_HOURS),
            )
            access_record(actor=actor, action=Action.CREATE, client=client, obj=request)
            _tell_deciders(request, client)
    except IntegrityError:
        raise Conflict(
            "You already asked for access to this recording; it is waiting for a decision.",
            fields={"recording": ["A request for this recording is already waiting."]},
        ) from None
    return request


def _deciders(request: RecordingAccessRequest, client: ClientProfile) -> list[User]:
    """The care team; if the client has none, the session's facilitators."""
    ids = care_team_ids(client) or facilitator_ids(request.recording.session)
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def _tell_staff(
    people: list[User], request: RecordingAccessRequest, *, key: str, text: str
) -> None:
    for person in people:
        if not person.email:
            continue
        message_enqueue(
            actor=None,
            channel=Channel.EMAIL,
            purpose=Purpose.REMINDER,
            idempotency_key=f"recording-access:{request.pk}:{key}:{person.pk}",
            user=person,
            client=request.client,
            about=request,
            subject=f"{settings.CLINIC_NAME}: a recording access request",
            body=f"{text} Open Harbor to see it: {settings.PUBLIC_BASE_URL}{STAFF_QUEUE_PATH}",
        )


def _feed(event: str, request: RecordingAccessRequest, people: list[User], title: str) -> None:
    publish_about_client(
        event,
        {
            "title": title,
            "request_id": request.pk,
            "recording_id": request.recording_id,
            "due_at": request.due_at.isoformat() if request.due_at else None,
            "url": STAFF_QUEUE_PATH,
        },
        client_id=request.client_id,
        user_ids=[p.pk for p in people],
    )


def _tell_deciders(request: RecordingAccessRequest, client: ClientProfile) -> None:
    people = _deciders(request, client)
    _tell_staff(
        people,
        request,
        key="asked",
        text="A client asked for access to a session recording; please decide.",
    )
    _feed(
        "recordings.access_requested",
        request,
        people,
        f"{client.user.display_name} asks to watch the recording of "
        f"{request.recording.session.title}.",
    )


def _locked(request: RecordingAccessRequest) -> RecordingAccessRequest:
    return (
        RecordingAccessRequest.objects.select_for_update(of=("self",))
        .select_related("client__user", "recording__session")
        .get(pk=request.pk)
    )


def access_request_decide(
    *, actor: Actor, request: RecordingAccessRequest, approve: bool, reason: str
) -> RecordingAccessRequest:
    """A clinician who may decide approves (access for RECORDING_ACCESS_DAYS) or declines,
    always with a reason; the client is told there is a decision."""
    if not may_decide(actor, request):
        raise NotAllowed(
            "Only the client's care team, the session's facilitators or a supervisor of the "
            "program decide this request."
        )
    reason = _reason(reason, "reason", required=True, why="Say why: the client reads this reason.")
    with transaction.atomic():
        request = _locked(request)
        if request.state != AccessRequestState.PENDING:
            raise Conflict(
                f"This request is already {request.get_state_display().lower()}.",
                fields={"state": [request.state]},
            )
        now = timezone.now()
        request.state = AccessRequestState.APPROVED if approve else AccessRequestState.DECLINED
        request.decided_by = person_of(actor)
        request.decided_at = now
        request.decision_reason = reason
        if approve:
            request.access_until = now + timedelta(days=settings.RECORDING_ACCESS_DAYS)
        request.save()
        access_record(
            actor=actor,
            action=Action.UPDATE,
            client=request.client,
            obj=request,
            detail=f"access request {request.state}",
        )
        tell_client(
            request.client,
            key=f"recording-access:{request.pk}:decided",
            about=request,
            text="There is a decision on your request to watch a session recording.",
            path=recording_path(request.recording_id),
        )
    return request


def access_request_withdraw(
    *, actor: Actor, request: RecordingAccessRequest
) -> RecordingAccessRequest:
    """The client takes back a request still waiting for a decision."""
    person = person_of(actor)
    if person is None or person.pk != request.client.user_id:
        raise NotAllowed("Only the client who asked withdraws the request.")
    with transaction.atomic():
        request = _locked(request)
        if request.state != AccessRequestState.PENDING:
            raise Conflict(
                f"This request is already {request.get_state_display().lower()}.",
                fields={"state": [request.state]},
            )
        request.state = AccessRequestState.WITHDRAWN
        request.save(update_fields=["state"])
        access_record(
            actor=actor,
            action=Action.UPDATE,
            client=request.client,
            obj=request,
            detail="access request withdrawn",
        )
    return request


def tell_client(client: ClientProfile, *, key: str, about: Any, text: str, path: str) -> None:
    """Email the client (else a text, with their consent to texts) that there is news, with a
    link; never what it is about beyond that."""
    from iop.consents.models import ConsentKind
    from iop.consents.selectors import consent_is_active

    user = client.user
    if user.email:
        channel = Channel.EMAIL
    elif user.phone and consent_is_active(client, ConsentKind.SMS):
        channel = Channel.SMS
    else:
        return
    message_enqueue(
        actor=None,
        channel=channel,
        purpose=Purpose.SUPPORT,
        idempotency_key=key,
        user=user,
        client=client,
        about=about,
        subject=f"{settings.CLINIC_NAME}: news about a session recording",
        body=f"{settings.CLINIC_NAME}: {text} Sign in to see it: {settings.PUBLIC_BASE_URL}{path}",
    )


def recording_access_requests_escalate_tick(*, now: datetime | None = None, batch: int = 50) -> int:
    """Requests still waiting after their decision time go to the program's supervisors, once
    each (claimed with SKIP LOCKED, so ticks running together never tell twice)."""
    handled = 0
    while True:
        with transaction.atomic():
            at = now or timezone.now()
            due = list(
                RecordingAccessRequest.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("client__user", "recording__session")
                .filter(
                    Q(state=AccessRequestState.PENDING),
                    due_at__lte=at,
                    escalated_at__isnull=True,
                )
                .order_by("due_at", "pk")[:batch]
            )
            for request in due:
                _escalate(request, at)
            handled += len(due)
        if len(due) < batch:
            return handled


def _escalate(request: RecordingAccessRequest, at: datetime) -> None:
    request.escalated_at = at
    request.save(update_fields=["escalated_at"])
    client = request.client
    supervisors = program_supervisors(client.program_id)
    access_record(
        actor=None,
        action=Action.UPDATE,
        client=client,
        obj=request,
        detail=f"overdue access request escalated to {len(supervisors)} supervisor(s)",
    )
    _tell_staff(
        supervisors,
        request,
        key="overdue",
        text="A client's request to watch a session recording is past its decision time.",
    )
    _feed(
        "recordings.access_overdue",
        request,
        supervisors,
        f"OVERDUE: {client.user.display_name}'s request to watch the recording of "
        f"{request.recording.session.title} has no decision.",
    )
