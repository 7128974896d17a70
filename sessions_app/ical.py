"""A person's sessions as an RFC 5545 calendar, written by hand (a few properties suffice).

Times are written in UTC (the `Z` form), which every calendar shows in its user's own zone.
Cancelled sessions stay in the feed as STATUS:CANCELLED so calendars remove them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from django.conf import settings

from sessions_app.models import Session, SessionStatus
from sessions_app.wording import session_link

PRODID = "-//Harbor//Sessions//EN"


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> list[str]:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 3.1)."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return [line]
    parts: list[str] = []
    current = b""
    for char in line:
        piece = char.encode()
        if len(current) + len(piece) > (75 if not parts else 74):
            parts.append(current.decode())
            current = b""
        current += piece
    parts.append(current.decode())
    return [parts[0], *(" " + p for p in parts[1:])]


def calendar(sessions: Iterable[Session], *, name: str, now: datetime) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(name)}",
    ]
    host = settings.PUBLIC_BASE_URL.split("://", 1)[-1].split("/", 1)[0]
    for session in sessions:
        lines += [
            "BEGIN:VEVENT",
            f"UID:session-{session.pk}@{host}",
            f"DTSTAMP:{_utc(now)}",
            f"SEQUENCE:{session.revision + (1 if session.status == SessionStatus.CANCELLED else 0)}",
            f"DTSTART:{_utc(session.starts_at)}",
            f"DTEND:{_utc(session.ends_at)}",
            f"SUMMARY:{_escape(session.title)}",
            f"DESCRIPTION:{_escape('Join from ' + session_link(session))}",
            f"URL:{session_link(session)}",
            f"STATUS:{'CANCELLED' if session.status == SessionStatus.CANCELLED else 'CONFIRMED'}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(f"{folded}\r\n" for line in lines for folded in _fold(line))
