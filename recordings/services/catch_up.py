"""Catch-up: a client who missed a session with a technical issue is offered its catch-up
recording (purpose catch-up, stopped, with stored segments) for RECORDING_CATCHUP_ACCESS_DAYS.

`catch_up_offers_for_session` is called from both sides, so the order does not matter: after a
catch-up recording's segment is stored or the recording stops (recordings' own services), and
after sessions records an attendance result (sessions' attendance listener registry). It does
nothing until the session has ended, so a client who drops out and rejoins is not offered it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from iop.accounts.models import ClientProfile
from iop.audit.models import Action
from iop.audit.services import access_record
from iop.domain import Conflict
from recordings.models import (
    CatchUpOffer,
    Recording,
    RecordingPurpose,
    RecordingState,
    SegmentState,
)
from recordings.services.access_requests import recording_path, tell_client
from sessions_app.selectors import TECHNICAL_ISSUE, clients_with_status

MISSED = TECHNICAL_ISSUE
log = logging.getLogger(__name__)


def catch_up_recordings(session: Any) -> list[Recording]:
    """The session's catch-up recordings that may be offered: stopped, with stored segments."""
    return list(
        Recording.objects.filter(
            session_id=session.pk,
            purpose=RecordingPurpose.CATCHUP,
            state=RecordingState.STOPPED,
            wrapped_key__isnull=False,
            segments__state=SegmentState.STORED,
        )
        .distinct()
        .order_by("started_at", "pk")
    )


def catch_up_offer_create(
    *, recording: Recording, client: ClientProfile, now: datetime | None = None
) -> tuple[CatchUpOffer, bool]:
    """Offer one catch-up recording to one client (the system's act; once per pair).
    Returns (offer, created); the client is told, with a link, only when it is new."""
    if recording.purpose != RecordingPurpose.CATCHUP or recording.state != RecordingState.STOPPED:
        raise Conflict("Only a stopped catch-up recording is offered.")
    now = now or timezone.now()
    existing = CatchUpOffer.objects.filter(recording=recording, client=client).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            offer = CatchUpOffer.objects.create(
                recording=recording,
                client=client,
                offered_at=now,
                access_until=now + timedelta(days=settings.RECORDING_CATCHUP_ACCESS_DAYS),
            )
            access_record(
                actor=None,
                action=Action.CREATE,
                client=client,
                obj=offer,
                detail="catch-up recording offered after a technical issue",
            )
            tell_client(
                client,
                key=f"recording-catch-up:{offer.pk}",
                about=offer,
                text="You missed a session because of a technical problem: its catch-up "
                "recording is ready for you to watch.",
                path=recording_path(recording.pk),
            )
    except IntegrityError:  # offered concurrently: that one stands
        return CatchUpOffer.objects.get(recording=recording, client=client), False
    return offer, True


def catch_up_offers_for_session(
    *, session: Any, now: datetime | None = None, client_ids: list[int] | None = None
) -> list[CatchUpOffer]:
    """Offer every ready catch-up recording of an ended session to each client whose attendance
    there is a technical issue (or only to `client_ids`); returns the offers made now."""
    now = now or timezone.now()
    if session.ends_at > now:
        return []
    recordings = catch_up_recordings(session)
    if not recordings:
        return []
    clients = clients_with_status(session, MISSED)
    if client_ids is not None:
        clients = [c for c in clients if c.pk in client_ids]
    made = []
    for recording in recordings:
        for client in clients:
            offer, created = catch_up_offer_create(recording=recording, client=client, now=now)
            if created:
                made.append(offer)
    return made


def attendance_settled(*, session: Any, client_id: int, status: str) -> None:
    """sessions' attendance listener: a technical issue may be offered the catch-up recording."""
    if status == MISSED:
        catch_up_offers_for_session(session=session, client_ids=[client_id])


def catch_up_after_recording(recording_id: int) -> None:
    """After a catch-up recording stops or stores a segment (after commit)."""
    recording = (
        Recording.objects.select_related("session")
        .filter(pk=recording_id, purpose=RecordingPurpose.CATCHUP)
        .first()
    )
    if recording is not None and recording.state == RecordingState.STOPPED:
        catch_up_offers_for_session(session=recording.session)


def catch_up_after_commit(recording_id: int) -> None:
    """Inside a transaction that stopped a catch-up recording or stored one of its segments."""

    def offer() -> None:
        try:
            catch_up_after_recording(recording_id)
        except Exception:  # noqa: BLE001 - the recording is safe; the tick of the next store retries
            log.exception("catch-up offers after recording %s failed", recording_id)

    transaction.on_commit(offer)
