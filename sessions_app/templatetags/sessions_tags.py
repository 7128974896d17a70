"""Panels other apps' pages include: the client's sessions on the portal, the staff's on the
dashboard (live attendance of sessions happening today, missed-session outreach, alerts)."""

from __future__ import annotations

from django import template
from django.utils import timezone

from iop.accounts.selectors import client_profile_of
from iop.audit.services import access_record_list
from sessions_app import selectors
from sessions_app.models import Attendance

register = template.Library()


@register.inclusion_tag("sessions_app/_portal_panel.html", takes_context=True)
def portal_sessions_panel(context):
    user = context["request"].user
    client = client_profile_of(user) if user.is_authenticated else None
    if client is None:
        return {"sessions": []}
    now = timezone.now()
    return {"sessions": selectors.client_upcoming(client, now=now, days=7)[:5], "now": now}


@register.inclusion_tag("sessions_app/_dashboard_panel.html", takes_context=True)
def staff_sessions_panel(context):
    user = context["request"].user
    if not user.is_clinical:
        return {"show": False}
    today = timezone.localdate()
    sessions = [
        s for s in selectors.sessions_between(user, today, today) if s.status == "scheduled"
    ]
    expected = selectors.expected_by_session(sessions)
    attendance = {
        (a.session_id, a.client_id): a
        for a in Attendance.objects.filter(session__in=[s.pk for s in sessions]).select_related(
            "outreach_message"
        )
    }
    rows = [
        {
            "session": s,
            "clients": [
                {"client": c, "attendance": attendance.get((s.pk, c.pk))} for c in expected[s.pk]
            ],
        }
        for s in sessions
    ]
    clients = {c.pk: c for s in sessions for c in expected[s.pk]}
    access_record_list(actor=user, clients=clients.values(), object_type="sessions.Attendance")
    return {
        "show": True,
        "rows": rows,
        "alerts": list(selectors.open_engagement_alerts(user)[:20]),
        "now": timezone.now(),
        "csrf_token": context.get("csrf_token"),
    }
