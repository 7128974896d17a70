"""Inbound texts and calls routed here by iop.notify.receivers (registered in apps.py).

* screen_text_message: crisis words in a client's text open a crisis event (and, for anyone,
  the reply gives the crisis lines). `text_screen` is the same screen for secure messages.
* acknowledge_by_text: a staff member replies "ACK 4821" (the event's code) to an alert text.
* mood_by_text: a client texts their mood, 0-10, optionally with a few words.
* hotline_call: a client calling the hotline opens a crisis event.
"""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.core.exceptions import ValidationError

from crisis.models import CheckInChannel, CrisisEvent, CrisisSource
from iop.accounts.models import ClientProfile, StaffProfile, User
from iop.domain import DomainError
from iop.form_errors import error_message

log = logging.getLogger(__name__)

# Phrases, not single words: "kill" alone fires on "this traffic is killing me".
CRISIS_PHRASES = (
    r"suicid\w*",
    r"kill(ing)? my ?self",
    r"end (it all|my life)",
    r"take my (own )?life",
    r"want(ed)? to die",
    r"wish i (was|were) dead",
    r"better off dead",
    r"hurt(ing)? my ?self",
    r"harm(ing)? my ?self",
    r"self[- ]harm",
    r"cut(ting)? my ?self",
    r"overdos\w*",
    r"no reason to live",
    r"can'?t go on",
    r"not safe",
)
CRISIS_PATTERN = re.compile(r"\b(" + "|".join(CRISIS_PHRASES) + r")\b", re.IGNORECASE)
# "ACK 4821", "ack4821", "Acknowledge #4821." and, to answer them, the old "1" / "ACK" / "ACK 12".
ACK_PATTERN = re.compile(
    r"^\s*(?:(?:ack(?:nowledged?)?|ok(?:ay)?)\s*[#:-]?\s*(\d[\d ]*)?|1)\s*[.!]*\s*$",
    re.IGNORECASE,
)
MOOD_PATTERN = re.compile(
    r"^\s*(?:mood\s*[:=]?\s*)?(-?\d{1,3})(?:\s*/\s*10)?\b[\s,.:;!-]*(.*)$",
    re.IGNORECASE | re.DOTALL,
)


def crisis_reply() -> str:
    return (
        f"{settings.CLINIC_NAME}: we have alerted your care team and someone will contact you. "
        f"Our 24/7 line: {settings.CLINIC_CRISIS_LINE}. You can also call or text "
        f"{settings.NATIONAL_CRISIS_LINE}. If you are in immediate danger, call 911."
    )


def matched_phrase(text: str) -> str | None:
    found = CRISIS_PATTERN.search(text or "")
    return found.group(0) if found else None


def text_screen(
    *,
    client: ClientProfile | None,
    text: str,
    source: str,
    timeline_data: dict[str, str] | None = None,
) -> CrisisEvent | None:
    """Open (or join) a crisis event when a client's text contains crisis words.

    Harbor opens it (actor None), which crisis_open allows from any source.
    """
    from crisis.services.events import crisis_open

    phrase = matched_phrase(text)
    if phrase is None or client is None:
        return None
    event, _ = crisis_open(
        actor=None,
        client=client,
        source=source,
        summary=f'Crisis words in a text: "{phrase}".',
        timeline_data=timeline_data,
    )
    return event


def screen_text_message(inbound) -> str | None:
    if matched_phrase(inbound.body) is None:
        return None
    text_screen(client=inbound.client, text=inbound.body, source=CrisisSource.SMS_KEYWORD)
    return crisis_reply()


def _staff_by_number(inbound) -> User | None:
    """The staff member whose verified number (or admin-set after-hours line) sent the text."""
    person = inbound.user
    if person is not None and person.is_staff_member and person.phone_verified_at is not None:
        return person
    profiles = list(
        StaffProfile.objects.filter(
            after_hours_phone=inbound.from_number, user__is_active=True
        ).select_related("user")[:2]
    )
    return profiles[0].user if len(profiles) == 1 else None


def acknowledge_by_text(inbound) -> str | None:
    """ "ACK 4821" from a staff member's verified number acknowledges the crisis whose code 4821
    is. A number can be forged, so "1" or "ACK" alone acknowledges nothing: the code, sent only
    in the alert texts, is the proof."""
    from crisis.services.events import ACK_CODE_DIGITS, crisis_acknowledge_by_code

    found = ACK_PATTERN.match(inbound.body or "")
    if found is None:
        return None
    person = _staff_by_number(inbound)
    if person is None:
        return None
    code = "".join((found.group(1) or "").split())
    if len(code) != ACK_CODE_DIGITS:
        return (
            f"{settings.CLINIC_NAME}: not acknowledged. Reply ACK and the code from the alert, "
            "for example ACK 4821."
        )
    try:
        event = crisis_acknowledge_by_code(actor=person, code=code, via="sms")
    except DomainError as error:
        return f"{settings.CLINIC_NAME}: not acknowledged. {error_message(error)}"
    return f"{settings.CLINIC_NAME}: crisis #{event.pk} acknowledged. Escalation stopped."


def mood_by_text(inbound) -> str | None:
    """A client's text that is a number (0-10, optionally with words) is a mood check-in."""
    from crisis.services.check_ins import check_in_submit

    if inbound.client is None:
        return None
    found = MOOD_PATTERN.match(inbound.body or "")
    if found is None:
        return None
    value, note = int(found.group(1)), found.group(2).strip()
    if not 0 <= value <= 10:
        if note:
            return None  # "12 Main Street" is not a mood
        return f"{settings.CLINIC_NAME}: mood is from 0 to 10. Reply with a number from 0 to 10."
    try:
        check_in = check_in_submit(
            actor=None,
            client=inbound.client,
            instrument="mood",
            answers={"mood": value},
            note=note[:500],
            channel=CheckInChannel.SMS,
        )
    except (ValidationError, DomainError):
        log.exception("mood text from client %s was not recorded", inbound.client_id)
        return None
    return f"{settings.CLINIC_NAME}: thank you, mood {check_in.score}/10 saved."


def hotline_call(inbound) -> None:
    """A known client calling the hotline opens (or joins) a crisis event, as Harbor (actor None)."""
    from crisis.services.events import crisis_open

    if inbound.client is None:
        return None
    crisis_open(
        actor=None,
        client=inbound.client,
        source=CrisisSource.HOTLINE,
        summary="Called the hotline.",
    )
    return None


def escalation_call_prompt_url(message) -> str | None:
    """The TwiML URL an escalation call was enqueued with, so the callee can press 1."""
    if message.purpose != "crisis":
        return None
    return (message.context or {}).get("voice_url") or None
