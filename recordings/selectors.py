"""Every read of recordings, given the viewer (clients' access requests and catch-up offers:
recordings/access_selectors.py).

recordings_visible_to(viewer)               the recordings a viewer may know of
recording_get_for(viewer, id)               one of them (else Recording.DoesNotExist)
session_recording_panel(viewer, session)    the staff session page's recording box
room_indicator_for(viewer, session)         what a client in the room sees (names nobody)
recordings_listed_for(viewer)               the visible ones, newest first, with segment counts
recordings_read_record(viewer, recordings)  the audit rows of reading them (clients in them)
segments_of(recording)                      its segments with how many were in each
segments_playable_for(viewer, recording, purpose)
                                            each stored segment, playable for that purpose or
                                            withheld with the reason (everyone in it must still
                                            consent); the rule playback and access build on
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from iop.accounts.models import Role
from iop.accounts.selectors import clients_visible_to
from iop.audit.models import Action
from iop.audit.services import access_record, access_record_list
from iop.viewer import Viewer, api_key_of, person_of
from recordings.consent_rule import Lacking, lacking_consent, lacking_in_room, names
from recordings.live import room_text, staff_text
from recordings.models import (
    ACTIVE_STATES,
    Recording,
    RecordingPurpose,
    RecordingSegment,
    RecordingState,
    SegmentParticipant,
    SegmentState,
)
from recordings.services.access import may_record
from sessions_app.selectors import sessions_visible_to


def recordings_visible_to(viewer: Viewer) -> QuerySet[Recording]:
    """Staff: the recordings of sessions they may see, or that a client of theirs is in;
    a client: the recordings they appear in or were offered to catch up; support agents: none."""
    base = Recording.objects.select_related("session", "started_by")
    key = api_key_of(viewer)
    if key is not None:
        return base.filter(session__program_id=key.program_id)
    person = person_of(viewer)
    if person is None or not person.is_active:
        return base.none()
    if person.role == Role.CLIENT:
        # The recordings they appear in, and the catch-up recordings offered to them.
        return base.filter(
            Q(segments__participant_rows__user=person) | Q(catch_up_offers__client__user=person)
        ).distinct()
    if person.role not in (Role.CLINICIAN, Role.SUPERVISOR, Role.ADMIN):
        return base.none()
    if person.role == Role.ADMIN:
        return base
    sessions = sessions_visible_to(person).values("pk")
    caseload_users = clients_visible_to(person).values("user_id")
    return base.filter(
        Q(session_id__in=sessions) | Q(segments__participant_rows__user_id__in=caseload_users)
    ).distinct()


def recording_get_for(viewer: Viewer, recording_id: int) -> Recording:
    return recordings_visible_to(viewer).get(pk=recording_id)


@dataclass(frozen=True)
class RecordingPanel:
    session: Any
    recording: Recording | None  # the running or paused one, else the latest
    active: bool
    state: str
    text: str
    alert: str
    lacking: str  # who present has not agreed, by name (facilitators only)
    may_record: bool
    purposes: list[tuple[str, str]]
    segments: int


def session_recording_panel(viewer: Viewer, session: Any) -> RecordingPanel:
    """The session's recording as its staff page shows it, for a viewer who sees the session.
    Names of people who have not agreed are shown only to those who run it (audited)."""
    recording = (
        Recording.objects.filter(session_id=session.pk).order_by("-started_at", "-id").first()
    )
    runs = may_record(viewer, session)
    lacking: list[Lacking] = []
    if recording is not None and recording.state == RecordingState.PAUSED and runs:
        lacking = lacking_in_room(session.pk, recording.purpose, at=timezone.now())
        access_record_list(
            actor=viewer,
            clients=[_client(p.client_id) for p in lacking if p.client_id is not None],
            object_type="recordings.pause_reason",
        )
    return RecordingPanel(
        session=session,
        recording=recording,
        active=recording is not None and recording.state in ACTIVE_STATES,
        state=recording.state if recording is not None else "",
        text=staff_text(recording, lacking if runs else []) if recording is not None else "",
        alert=recording.alert if recording is not None else "",
        lacking=names(lacking),
        may_record=runs,
        purposes=list(RecordingPurpose.choices),
        segments=recording.segments.count() if recording is not None else 0,
    )


def _client(client_id: int) -> Any:
    from iop.accounts.models import ClientProfile

    return ClientProfile(pk=client_id)


@dataclass(frozen=True)
class RoomIndicator:
    recording: bool  # running or paused: the client is told either way
    state: str
    text: str


def room_indicator_for(viewer: Viewer, session: Any) -> RoomIndicator:
    """For a client whose session page the caller has scoped: is the session being recorded?"""
    recording = Recording.objects.filter(
        session_id=session.pk, state__in=[s.value for s in ACTIVE_STATES]
    ).first()
    if recording is None:
        return RoomIndicator(False, "", room_text("", ""))
    return RoomIndicator(True, recording.state, room_text(recording.state, recording.purpose))


@dataclass(frozen=True)
class SegmentPlayability:
    segment: RecordingSegment
    playable: bool
    withheld_because: str  # "" when playable; else who in it no longer consents, by name


def segments_playable_for(
    viewer: Viewer, recording: Recording, purpose: str, *, at: datetime | None = None
) -> list[SegmentPlayability]:
    """Each stored segment of a recording the viewer may see, playable for `purpose` only while
    everyone in it still holds active consent for that purpose (staff count as consenting). Who
    may play for which purpose is playback's own check; this is the consent rule, and it is
    audited as a read of the recording."""
    if not recordings_visible_to(viewer).filter(pk=recording.pk).exists():
        raise Recording.DoesNotExist("No such recording is visible to you.")
    at = at or timezone.now()
    segments = list(
        recording.segments.filter(state=SegmentState.STORED).order_by("index")
        if recording.wrapped_key is not None
        else []
    )
    people: dict[int, list[int]] = {}
    for segment_id, user_id in SegmentParticipant.objects.filter(segment__in=segments).values_list(
        "segment_id", "user_id"
    ):
        people.setdefault(segment_id, []).append(user_id)
    everyone = {uid for ids in people.values() for uid in ids}
    lacking = {p.user_id: p for p in lacking_consent(everyone, purpose, at=at)}
    found = []
    for segment in segments:
        missing = [lacking[uid] for uid in people.get(segment.pk, []) if uid in lacking]
        reason = (
            f"{names(missing)} no longer agree{'s' if len(missing) == 1 else ''}" if missing else ""
        )
        found.append(SegmentPlayability(segment, not missing, reason))
    access_record(
        actor=viewer,
        action=Action.VIEW,
        client=None,
        obj=recording,
        detail=f"segments checked for {purpose}",
    )
    return found


def client_access_until(
    person: Any, recording: Recording, *, at: datetime | None = None
) -> datetime | None:
    """Until when a client may play a recording they appear in: the later of an approved,
    unexpired access request and an unexpired catch-up offer; None when they may not."""
    from recordings.models import AccessRequestState, CatchUpOffer, RecordingAccessRequest

    at = at or timezone.now()
    profile_id = getattr(getattr(person, "client_profile", None), "pk", None)
    if profile_id is None:
        return None
    untils: list[datetime | None] = [
        *RecordingAccessRequest.objects.filter(
            recording=recording,
            client_id=profile_id,
            state=AccessRequestState.APPROVED,
            access_until__gt=at,
        ).values_list("access_until", flat=True),
        *CatchUpOffer.objects.filter(
            recording=recording, client_id=profile_id, access_until__gt=at
        ).values_list("access_until", flat=True),
    ]
    return max((u for u in untils if u is not None), default=None)


# -- lists and details of recordings (the pages and the API) -----------------------------------


def recordings_listed_for(viewer: Viewer) -> QuerySet[Recording]:
    """The recordings a viewer may see, newest first, each with its number of segments."""
    count = (
        RecordingSegment.objects.filter(recording=OuterRef("pk"))
        .order_by()
        .values("recording")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        recordings_visible_to(viewer)
        .select_related("session")
        .annotate(segment_count=Coalesce(Subquery(count), 0))
        .order_by("-started_at", "-id")
    )


def recordings_read_record(viewer: Viewer, recordings: list[Recording]) -> None:
    """Audit a read of recordings' records: one row per client in them, in one query (a client
    reading their own: one row for themself, since they are shown nobody else)."""
    from iop.accounts.models import ClientProfile

    person = person_of(viewer)
    clients = ClientProfile.objects.filter(
        user_id__in=SegmentParticipant.objects.filter(
            segment__recording__in=[r.pk for r in recordings]
        ).values("user_id")
    )
    if person is not None and person.role == Role.CLIENT:
        clients = clients.filter(user=person)
    access_record_list(
        actor=viewer, clients=list(clients.only("pk")), object_type="recordings.Recording"
    )


def segments_of(recording: Recording) -> list[RecordingSegment]:
    """A recording's segments (the caller has scoped the recording), each with how many people
    were in it (`participant_count`): names are for playback's withheld reasons only."""
    return list(
        recording.segments.annotate(participant_count=Count("participant_rows")).order_by("index")
    )
