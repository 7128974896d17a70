"""What a client is told about their own request for help, in plain and calm words.

After pressing "I need help now" the client's page shows where their request stands: alerted
(the care team has been told), seen (a named clinician has it in hand and will contact them,
with the time to expect them), then closed. The page reads it on load, hears each change on its
socket (`crisis/consumers.py`) and polls `crisis:help_state` when the socket is down; all three
use `HelpState.to_json()`, so the words are written once, here.

Escalation steps, codes and staff notes are never shown to the client.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from crisis.models import CrisisEvent, EventState
from iop.accounts.models import Role, User

# How soon a clinician who has seen the request is expected to contact the client.
CONTACT_EXPECTED_MINUTES = 15

ALERTED, SEEN, CLOSED = "alerted", "seen", "closed"

ROLE_WORDS = {
    Role.CLINICIAN: "clinician",
    Role.SUPERVISOR: "clinical supervisor",
    Role.ADMIN: "member of the clinical team",
}


@dataclass(frozen=True)
class HelpState:
    """One client's view of their request for help."""

    event_id: int
    state: str  # ALERTED, SEEN or CLOSED
    headline: str
    detail: str
    who: str  # "Dana, clinician" once someone has seen it
    expected_by: datetime | None  # when to expect contact, once seen
    expected_by_text: str  # the same in the client's time zone ("2:45 pm")
    mistake_noted: bool  # the client said they pressed by mistake

    def to_json(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "state": self.state,
            "headline": self.headline,
            "detail": self.detail,
            "who": self.who,
            "expected_by": self.expected_by.isoformat() if self.expected_by else None,
            "expected_by_text": self.expected_by_text,
            "mistake_noted": self.mistake_noted,
            "open": self.state != CLOSED,
        }


# A name that starts with a title is said as the title and the family name.
TITLES = {"dr", "mr", "mrs", "ms", "mx", "miss", "prof"}


def first_name_and_role(person: User | None) -> str:
    """ "Dana, clinician": enough for the client to know who will call, nothing more."""
    if person is None:
        return ""
    name = (person.preferred_name or person.full_name or "").split()
    role = ROLE_WORDS.get(Role(person.role), "member of your care team")
    if len(name) > 1 and name[0].rstrip(".").lower() in TITLES:
        return f"{name[0]} {name[-1]}, {role}"  # "Dr. Chen", not "Dr."
    return f"{name[0]}, {role}" if name else f"a {role}"


def _local_time(moment: datetime, zone: str) -> str:
    try:
        local = moment.astimezone(ZoneInfo(zone))
    except (KeyError, ValueError):
        local = moment
    return local.strftime("%I:%M %p").lstrip("0").lower()


def help_state_of(event: CrisisEvent, *, mistake_noted: bool, time_zone: str) -> HelpState:
    """The client's words for where `event` stands (the event's people are already loaded)."""
    expected: datetime | None = None
    who = ""
    if event.state == EventState.RESOLVED:
        state = CLOSED
        headline = "Your care team has closed this request for help"
        detail = (
            "We hope you are feeling safer. If you need help again at any time, press "
            '"I need help now" or call one of the lines below.'
        )
    elif event.state == EventState.ACKNOWLEDGED and event.acknowledged_at is not None:
        state = SEEN
        who = first_name_and_role(event.acknowledged_by)
        expected = event.acknowledged_at + timedelta(minutes=CONTACT_EXPECTED_MINUTES)
        headline = "A clinician has seen this and will contact you"
        detail = (
            f"{who or 'A member of your care team'} will contact you by about "
            f"{_local_time(expected, time_zone)}. If you feel unsafe before then, call one of "
            "the lines below."
        )
    else:
        state = ALERTED
        headline = "We have alerted your care team"
        detail = (
            "A clinician will contact you as soon as possible. This page will change when "
            "someone has seen your request. You do not have to wait: call one of the lines "
            "below if you need to."
        )
    return HelpState(
        event_id=event.pk,
        state=state,
        headline=headline,
        detail=detail,
        who=who,
        expected_by=expected,
        expected_by_text=_local_time(expected, time_zone) if expected else "",
        mistake_noted=mistake_noted,
    )
