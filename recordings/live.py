"""What the session's facilitators and the clients in its room see when a recording changes.

The facilitators' staff session page hears `recording.changed` on the live feed (who has not
agreed, by name); every expected client's open session page hears it too, naming nobody.
Both are sent after commit (sessions_app's `room_notice`).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from recordings.consent_rule import PAUSED_FOR_ROOM, Lacking, pause_text
from recordings.models import Recording, RecordingPurpose, RecordingState
from sessions_app.services import room_notice

EVENT = "recording.changed"


def staff_text(recording: Recording, lacking: list[Lacking]) -> str:
    purpose = RecordingPurpose(recording.purpose).label.lower()
    if recording.state == RecordingState.RECORDING:
        return f"Recording for {purpose}"
    if recording.state == RecordingState.PAUSED:
        if lacking:
            return pause_text(lacking, recording.purpose)
        return "Recording paused: not everyone has agreed"
    if recording.state == RecordingState.FAILED:
        return f"Recording failed: {recording.alert}" if recording.alert else "Recording failed"
    return "Recording stopped"


def room_text(state: str, purpose: str) -> str:
    """What a client in the room reads: never who has not agreed."""
    if state == RecordingState.RECORDING:
        return f"This session is being recorded ({RecordingPurpose(purpose).label.lower()})."
    if state == RecordingState.PAUSED:
        return f"{PAUSED_FOR_ROOM}."
    return "This session is not being recorded."


def recording_announce(recording: Recording, session: Any, lacking: list[Lacking]) -> None:
    state = recording.state
    room_notice(
        session=session,
        event=EVENT,
        staff_payload={
            "recording_id": str(recording.uuid),
            "state": state,
            "purpose": recording.purpose,
            "title": f"{staff_text(recording, lacking)} ({session.title})",
            "text": staff_text(recording, lacking),
            "alert": recording.alert,
            "url": reverse("sessions_staff:detail", args=[session.pk]),
        },
        client_payload={
            "recording": state in (RecordingState.RECORDING, RecordingState.PAUSED),
            "state": state,
            "text": room_text(state, recording.purpose),
        },
        client_ids=[person.client_id for person in lacking if person.client_id is not None],
    )
