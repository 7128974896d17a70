"""Playback: short-lived signed links to a recording's segments, for a purpose chosen when
playing, and the check each request of a link passes again (recordings/views/media.py).

Who may play for which purpose (issue 13, point 5):
  therapeutic  the session's facilitators, and clinicians on the care team of a client in it
  qa           supervisors of the session's program, and administrators
  education    staff whose profile allows recordings for education
  catchup      the session's facilitators
  a client     a recording they appear in, while their access lasts (an approved request or a
               catch-up offer), for the recording's own purpose only
API keys never play. Only segments whose every participant still consents to the purpose are
offered (selectors.segments_playable_for); each Range request of a link checks it all again, so
a withdrawal, a purge or an ended grant refuses the next one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from iop.accounts.models import CareTeamMember, ClientProfile, Role
from iop.audit.models import Action
from iop.audit.services import access_record
from iop.domain import Conflict, NotAllowed, NotFound
from iop.viewer import Actor, api_key_of, person_of
from recordings.consent_rule import lacking_consent
from recordings.models import (
    Recording,
    RecordingPurpose,
    RecordingSegment,
    RecordingState,
    SegmentParticipant,
    SegmentState,
)
from sessions_app.selectors import facilitator_ids, supervised_program_ids

if TYPE_CHECKING:  # Tink is loaded only when media is read
    from recordings.crypto import WrappedKey
    from recordings.vault import StoredMedia

OBJECT = "recordings.Recording"
_SALT = "recordings.playback"
ONLY_PEOPLE = "Only a person plays recordings."
# What a client is told of a segment withheld from them: it names nobody else.
WITHHELD_FOR_CLIENT = "Someone in it has not agreed to this use."
NO_LONGER_AGREED = "Someone in this part of the recording no longer agrees to this use."


@dataclass(frozen=True)
class SegmentLink:
    index: int
    url: str  # the signed address of its media (a path on this site)
    content_type: str
    size: int
    started_at: datetime
    ended_at: datetime | None

    @property
    def is_video(self) -> bool:
        return self.content_type.startswith("video/")


@dataclass(frozen=True)
class WithheldSegment:
    index: int
    reason: str
    started_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True)
class PlaybackLink:
    recording: Recording
    purpose: str
    expires_at: datetime
    segments: tuple[SegmentLink, ...]
    withheld: tuple[WithheldSegment, ...]


def _purpose_label(purpose: str) -> str:
    return str(RecordingPurpose(purpose).label).lower()


def _on_care_team(person: Any, recording: Recording) -> bool:
    people = SegmentParticipant.objects.filter(segment__recording=recording).values("user_id")
    return CareTeamMember.objects.filter(clinician=person, client__user_id__in=people).exists()


def play_refusal(person: Any, recording: Recording, purpose: str, *, at: datetime) -> str:
    """Why this person may not play the recording for the purpose; "" when they may. The
    recording is one they may see (the caller looked it up through the selectors)."""
    if person is None or not person.is_active:
        return "Sign in to play recordings."
    if person.role == Role.CLIENT:
        from recordings.selectors import client_access_until

        if purpose != recording.purpose:
            return (
                f"This recording was made for {_purpose_label(recording.purpose)}: "
                "you can play it only for that."
            )
        if client_access_until(person, recording, at=at) is None:
            return (
                "You do not have access to this recording now. You can ask for it on the "
                "recording's page."
            )
        return ""
    session = recording.session
    runs = person.is_clinical and person.pk in facilitator_ids(session)
    if purpose == RecordingPurpose.THERAPEUTIC:
        if runs or (person.is_clinical and _on_care_team(person, recording)):
            return ""
        return (
            "Only the session's facilitators and the care team of a client in it play it for "
            "therapeutic review."
        )
    if purpose == RecordingPurpose.QA:
        if person.role == Role.ADMIN or (
            person.role == Role.SUPERVISOR
            and session.program_id in set(supervised_program_ids(person))
        ):
            return ""
        return "Only the program's supervisors play recordings for quality assurance."
    if purpose == RecordingPurpose.EDUCATION:
        profile = getattr(person, "staff_profile", None)
        if person.is_staff_member and getattr(profile, "may_use_education_recordings", False):
            return ""
        return "Only staff allowed to use recordings for education play them for education."
    if purpose == RecordingPurpose.CATCHUP:
        if runs:
            return ""
        return (
            "Only the session's facilitators play it for catch-up; a client who missed the "
            "session is offered it."
        )
    return "There is no such purpose."


def _check_purpose(purpose: str) -> None:
    if purpose not in RecordingPurpose.values:
        raise ValidationError(
            {"purpose": [f"Choose one of: {', '.join(RecordingPurpose.values)}."]}
        )


def _token(person: Any, recording: Recording, index: int, purpose: str) -> str:
    claims = {"u": person.pk, "r": str(recording.uuid), "s": index, "p": purpose}
    return signing.dumps(claims, salt=_SALT)


def _audit(actor: Actor, recording: Recording, detail: str, client_ids: list[int]) -> None:
    """One row per client whose media is given out (or one naming no client)."""
    shown: list[int | None] = [*client_ids] or [None]
    for client_id in shown:
        access_record(
            actor=actor,
            action=Action.VIEW,
            client=ClientProfile(pk=client_id) if client_id is not None else None,
            object_type=OBJECT,
            object_id=str(recording.uuid),
            detail=detail,
        )


def _clients_in(segments: list[RecordingSegment]) -> list[int]:
    return sorted(
        set(
            ClientProfile.objects.filter(
                user_id__in=SegmentParticipant.objects.filter(segment__in=segments).values(
                    "user_id"
                )
            ).values_list("pk", flat=True)
        )
    )


def playback_link_create(*, actor: Actor, recording: Recording, purpose: str) -> PlaybackLink:
    """Signed links, each good for RECORDING_PLAYBACK_LINK_SECONDS, to the segments of a
    recording the actor may play for `purpose` whose every participant still consents to it;
    the others are listed as withheld with the reason. Audited with the purpose."""
    from recordings.selectors import recording_get_for, segments_playable_for

    if api_key_of(actor) is not None:
        raise NotAllowed(ONLY_PEOPLE)
    person = person_of(actor)
    if person is None:
        raise NotAllowed(ONLY_PEOPLE)
    _check_purpose(purpose)
    recording = recording_get_for(person, recording.pk)  # Recording.DoesNotExist: not theirs
    now = timezone.now()
    refusal = play_refusal(person, recording, purpose, at=now)
    if refusal:
        _audit(actor, recording, f"playback refused ({purpose}): {refusal}", [])
        raise NotAllowed(refusal)
    if recording.state == RecordingState.PURGED or recording.wrapped_key is None:
        raise Conflict("This recording has been purged: nothing of it can be played.")
    checked = segments_playable_for(person, recording, purpose, at=now)
    if not checked:
        raise Conflict("No part of this recording is stored to play yet.")
    is_client = person.role == Role.CLIENT
    links, withheld = [], []
    for found in checked:
        segment = found.segment
        if found.playable:
            token = _token(person, recording, segment.index, purpose)
            links.append(
                SegmentLink(
                    index=segment.index,
                    url=reverse("recordings:play", kwargs={"token": token}),
                    content_type=segment.content_type or "application/octet-stream",
                    size=segment.plaintext_size or 0,
                    started_at=segment.started_at,
                    ended_at=segment.ended_at,
                )
            )
        else:
            reason = WITHHELD_FOR_CLIENT if is_client else f"{found.withheld_because}."
            withheld.append(
                WithheldSegment(segment.index, reason, segment.started_at, segment.ended_at)
            )
    offered = [f.segment for f in checked if f.playable]
    shown = ", ".join(str(link.index) for link in links) or "none"
    with transaction.atomic():
        _audit(
            actor,
            recording,
            f"playback for {purpose}: segments {shown} ({len(withheld)} withheld)",
            _clients_in(offered),
        )
    return PlaybackLink(
        recording=recording,
        purpose=purpose,
        expires_at=now + timedelta(seconds=settings.RECORDING_PLAYBACK_LINK_SECONDS),
        segments=tuple(links),
        withheld=tuple(withheld),
    )


@dataclass(frozen=True)
class PlaybackMedia:
    """What a link plays, allowed at the moment it was checked."""

    segment: RecordingSegment
    purpose: str
    key: WrappedKey
    media: StoredMedia

    @property
    def content_type(self) -> str:
        return self.segment.content_type or "application/octet-stream"

    @property
    def aad(self) -> bytes:
        return self.segment.aad


def _claims(token: str) -> dict[str, Any] | None:
    try:
        claims = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return None
    shape = {"u": int, "r": str, "s": int, "p": str}
    if not isinstance(claims, dict) or set(claims) != set(shape):
        return None
    if not all(isinstance(claims[name], kind) for name, kind in shape.items()):
        return None
    return claims


def playback_media_for(viewer: Actor, token: str, *, fresh: bool = True) -> PlaybackMedia:
    """A link's media, checked again now: the link is this person's (else NotFound) and young
    enough, they may still play the recording for its purpose, and everyone in the segment
    still consents (else NotAllowed); the recording is not purged (else Conflict).
    `fresh=False` leaves out the link's age: a response already under way is checked again
    between chunks, and may outlive the link that started it."""
    from recordings.crypto import WrappedKey
    from recordings.selectors import recordings_visible_to
    from recordings.vault import StoredMedia

    person = person_of(viewer)
    claims = _claims(token)
    if person is None or claims is None or claims["u"] != person.pk:
        raise NotFound("No such playback link.")
    try:
        if fresh:
            signing.loads(token, salt=_SALT, max_age=settings.RECORDING_PLAYBACK_LINK_SECONDS)
    except signing.SignatureExpired:
        raise NotAllowed(
            "This playback link has expired: open the recording again for a new one."
        ) from None
    recording = (
        recordings_visible_to(person).select_related("session").filter(uuid=claims["r"]).first()
    )
    if recording is None:
        raise NotFound("No such playback link.")
    now = timezone.now()
    purpose = claims["p"]
    refusal = play_refusal(person, recording, purpose, at=now)
    if refusal:
        raise NotAllowed(refusal)
    if recording.state == RecordingState.PURGED or recording.wrapped_key is None:
        raise Conflict("This recording has been purged: nothing of it can be played.")
    segment = (
        RecordingSegment.objects.select_related("recording")
        .filter(recording=recording, index=claims["s"], state=SegmentState.STORED)
        .first()
    )
    if segment is None:
        raise NotFound("This part of the recording is not stored.")
    people = segment.participant_rows.values_list("user_id", flat=True)
    if lacking_consent(people, purpose, at=now):
        raise NotAllowed(NO_LONGER_AGREED)
    return PlaybackMedia(
        segment=segment,
        purpose=purpose,
        key=WrappedKey(kek_id=recording.kek_id, wrapped=bytes(recording.wrapped_key)),
        media=StoredMedia(
            object_key=segment.object_key,
            plaintext_size=segment.plaintext_size or 0,
            ciphertext_size=segment.ciphertext_size or 0,
            chunk_size=segment.chunk_size or settings.RECORDING_CHUNK_BYTES,
        ),
    )
