"""{% crisis_banner %}: the server-rendered crisis banner on every staff page."""

from __future__ import annotations

from django import template
from django.db import DatabaseError
from django.utils import timezone

from crisis.selectors import banner_events_for
from crisis.services.timeline import event_payload

register = template.Library()


@register.inclusion_tag("crisis/_banner.html", takes_context=True)
def crisis_banner(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    try:
        found = banner_events_for(user)
    except DatabaseError:
        found = {"events": [], "unacknowledged_elsewhere": 0}
    items = [
        {**event_payload(event), "opened_local": timezone.localtime(event.opened_at)}
        for event in found["events"]
    ]
    return {
        "banner": {"events": items, "unacknowledged_elsewhere": found["unacknowledged_elsewhere"]},
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
