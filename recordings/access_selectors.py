"""Reads of clients' access to recordings, given the viewer (recordings/selectors.py's sibling).

access_requests_visible_to(viewer)     requests the viewer may see: a client their own; staff
                                       those they may decide (care team, the session's
                                       facilitators, the program's supervisors); admins all;
                                       an API key its program's
access_request_get_for(viewer, id)     one of them (else RecordingAccessRequest.DoesNotExist)
access_state_for(viewer, recording)    what the portal's recording page says of the client's
                                       access: request, decision, until when, what is withheld
catch_up_offer_for(viewer, session)    the client's catch-up offer for a missed session
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from iop.accounts.models import Role
from iop.audit.models import Action
from iop.audit.services import access_record
from iop.viewer import Viewer, api_key_of, person_of
from recordings.models import (
    AccessRequestState,
    CatchUpOffer,
    Recording,
    RecordingAccessRequest,
    RecordingPurpose,
)
from recordings.selectors import client_access_until, segments_playable_for
from recordings.services.access_requests import appears_in, client_profile_of


def access_requests_visible_to(viewer: Viewer) -> QuerySet[RecordingAccessRequest]:
    base = RecordingAccessRequest.objects.select_related(
        "client__user", "recording__session", "decided_by"
    )
    key = api_key_of(viewer)
    if key is not None:
        return base.filter(recording__session__program_id=key.program_id)
    person = person_of(viewer)
    if person is None or not person.is_active:
        return base.none()
    if person.role == Role.CLIENT:
        return base.filter(client__user=person)
    if person.role == Role.ADMIN:
        return base
    if person.role == Role.SUPERVISOR:
        return base.filter(client__program__staff__user=person)
    if person.role == Role.CLINICIAN:
        ids = (
            base.filter(
                Q(client__care_team__clinician=person)
                | Q(recording__session__facilitator=person)
                | Q(recording__session__group__facilitators=person)
            )
            .values("pk")
            .distinct()
        )
        return base.filter(pk__in=ids)
    return base.none()


def access_request_get_for(viewer: Viewer, request_id: int) -> RecordingAccessRequest:
    request = access_requests_visible_to(viewer).get(pk=request_id)
    access_record(actor=viewer, action=Action.VIEW, client=request.client, obj=request)
    return request


def access_queue_for(viewer: Viewer) -> list[RecordingAccessRequest]:
    """The staff queue: waiting requests first (the longest overdue first), then the decided."""
    rows: list[RecordingAccessRequest] = list(
        access_requests_visible_to(viewer)
        .annotate(
            waiting=Case(
                When(state=AccessRequestState.PENDING, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("waiting", "due_at", "-created_at", "-pk")[:200]
    )
    from iop.audit.services import access_record_list

    access_record_list(
        actor=viewer,
        clients=[r.client for r in rows],
        object_type=RecordingAccessRequest._meta.label,
    )
    return rows


@dataclass(frozen=True)
class SegmentLine:
    number: int  # 1-based, as people count
    playable: bool
    text: str  # "" when playable; why it is withheld (names only for staff)


@dataclass(frozen=True)
class AccessState:
    recording: Recording
    is_client: bool
    appears: bool  # the client is in a stored segment, so may ask
    request: RecordingAccessRequest | None  # the latest
    offer: CatchUpOffer | None
    access_until: datetime | None
    may_request: bool
    segments: list[SegmentLine] = field(default_factory=list)

    @property
    def pending(self) -> bool:
        return self.request is not None and self.request.state == AccessRequestState.PENDING

    @property
    def withheld(self) -> list[SegmentLine]:
        return [s for s in self.segments if not s.playable]


WITHHELD_FOR_CLIENT = "someone in it has not agreed to this use"


def segment_lines(viewer: Viewer, recording: Recording, *, names: bool) -> list[SegmentLine]:
    """Each stored segment, playable for the recording's purpose or withheld, and why."""
    lines = []
    for p in segments_playable_for(viewer, recording, recording.purpose):
        number = p.segment.index + 1
        if p.playable:
            lines.append(SegmentLine(number, True, ""))
        else:
            why = p.withheld_because if names else WITHHELD_FOR_CLIENT
            lines.append(SegmentLine(number, False, f"Part {number} is withheld: {why}."))
    return lines


def access_state_for(
    viewer: Viewer, recording: Recording, *, at: datetime | None = None
) -> AccessState:
    """For the portal's page of a recording the caller has already scoped to the viewer."""
    at = at or timezone.now()
    client = client_profile_of(person_of(viewer))
    if client is None:
        return AccessState(recording, False, False, None, None, None, False)
    request = (
        RecordingAccessRequest.objects.select_related("decided_by")
        .filter(recording=recording, client=client)
        .order_by("-created_at", "-pk")
        .first()
    )
    offer = CatchUpOffer.objects.filter(recording=recording, client=client).first()
    appears = appears_in(client, recording)
    until = client_access_until(client.user, recording, at=at)
    may_request = (
        appears
        and until is None
        and not (request is not None and request.state == AccessRequestState.PENDING)
    )
    lines: list[SegmentLine] = []
    if appears or offer is not None:
        try:
            lines = segment_lines(viewer, recording, names=False)
        except Recording.DoesNotExist:
            lines = []
    if request is not None:
        access_record(actor=viewer, action=Action.VIEW, client=client, obj=request)
    return AccessState(recording, True, appears, request, offer, until, may_request, lines)


def catch_up_offer_for(viewer: Viewer, session) -> CatchUpOffer | None:
    """The viewing client's newest catch-up offer for a session (None for anyone else)."""
    client = client_profile_of(person_of(viewer))
    if client is None:
        return None
    return (
        CatchUpOffer.objects.select_related("recording")
        .filter(
            client=client,
            recording__session_id=session.pk,
            recording__purpose=RecordingPurpose.CATCHUP,
        )
        .order_by("-offered_at", "-pk")
        .first()
    )
