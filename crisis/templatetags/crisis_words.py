"""The clinic's words for crisis codes on staff pages: never "PHQ9", "none" or "open" on screen.

{% load crisis_words %}
{{ client.latest_risk|risk_words }}          High risk / No risk indicated / No check-ins yet
{{ client.latest_instrument|instrument_name }}  PHQ-9 / Mood / C-SSRS
{{ client.crisis_state|crisis_words }}       In crisis, UNACKNOWLEDGED / In crisis, acknowledged
{{ seconds|duration_words }}                 45 s / 3 min 5 s / 1 h 12 min
"""

from __future__ import annotations

from datetime import timedelta

from django import template

from crisis import instruments
from crisis.models import EventState

register = template.Library()


@register.filter
def risk_words(risk: str | None) -> str:
    if not risk:
        return "No check-ins yet"
    return instruments.RISK_LABELS.get(risk, risk)


@register.filter
def instrument_name(code: str | None) -> str:
    if not code:
        return ""
    try:
        return instruments.current(code).short_name
    except KeyError:
        return code


@register.filter
def crisis_words(state: str | None) -> str:
    if state == EventState.OPEN:
        return "In crisis, UNACKNOWLEDGED"
    if state == EventState.ACKNOWLEDGED:
        return "In crisis, acknowledged"
    return ""


@register.filter
def duration_words(value: timedelta | float | None) -> str:
    """A short span in words: "45 s", "3 min 5 s", "1 h 12 min", "2 d 3 h"."""
    if value is None:
        return "—"
    seconds = int(value.total_seconds() if isinstance(value, timedelta) else value)
    seconds = max(seconds, 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{secs} s"
