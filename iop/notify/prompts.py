"""Where an outgoing call's TwiML comes from when the call is interactive.

A call normally just says its message body (TwiML sent with the call). An app whose calls
gather a key press registers a function that returns the absolute URL of its own TwiML
webhook for the messages it owns, or None for the rest:

    # crisis/apps.py
    prompts.register("crisis.escalation", escalation_prompt_url)

The first registered function to answer with a URL wins.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

PromptUrl = Callable[..., "str | None"]

_registry: dict[str, PromptUrl] = {}


def register(name: str, url_for: PromptUrl) -> None:
    _registry[name] = url_for


def unregister(name: str) -> None:
    _registry.pop(name, None)


def prompt_url(message) -> str:
    """The TwiML URL for this call, or "" to say the message body."""
    for name, url_for in sorted(_registry.items()):
        try:
            url = url_for(message)
        except Exception:  # noqa: BLE001 - a broken prompt must not stop the call itself
            log.exception("call prompt %s failed for message %s", name, message.pk)
            continue
        if url:
            return str(url)
    return ""
