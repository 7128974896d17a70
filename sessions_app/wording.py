"""How sessions are named in messages and pages: local times and links."""

from __future__ import annotations

import zoneinfo
from datetime import datetime

from django.conf import settings
from django.urls import reverse

from sessions_app.models import Session


def when_text(moment: datetime, zone_name: str) -> str:
    """'Mon 2 Mar, 6:00 PM EST' in the given zone (the reader's own)."""
    try:
        zone = zoneinfo.ZoneInfo(zone_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    local = moment.astimezone(zone)
    hour = local.strftime("%I").lstrip("0")
    return f"{local:%a} {local.day} {local:%b}, {hour}:{local:%M %p} {local.tzname()}"


def session_link(session: Session) -> str:
    return f"{settings.PUBLIC_BASE_URL}{reverse('sessions:detail', args=[session.pk])}"


def session_name(session: Session) -> str:
    return session.title or session.get_kind_display()
