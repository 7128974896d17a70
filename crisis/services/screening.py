"""The crisis screen for a client's own words from any channel other apps carry (a tech-support
chat, a secure message to the care team): the same phrases and the same crisis event as an
inbound text."""

from __future__ import annotations

from crisis.inbound import matched_phrase, text_screen
from crisis.models import CrisisEvent, CrisisSource
from iop.accounts.models import ClientProfile

# The channels other apps screen, as crisis sources.
SCREENED_CHANNELS = {
    "support_chat": CrisisSource.SUPPORT_CHAT,
    "peer_space": CrisisSource.PEER_POST,  # messaging's group peer spaces
    "secure_message": CrisisSource.MESSAGE_KEYWORD,
}


def crisis_words_in(text: str) -> str | None:
    """The crisis phrase in the text, if any (no event is opened)."""
    return matched_phrase(text)


def crisis_screen_text(
    *, client: ClientProfile | None, text: str, channel: str, link: str = "", link_label: str = ""
) -> CrisisEvent | None:
    """Open (or join) a crisis event when a client's words on `channel` contain crisis words.

    `link` (a staff page's path) puts where the words were written on the event's timeline.
    """
    data = {"link": link, "link_label": link_label or "Open"} if link else None
    return text_screen(
        client=client, text=text, source=SCREENED_CHANNELS[channel], timeline_data=data
    )
