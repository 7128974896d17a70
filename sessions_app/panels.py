"""What sessions shows in the core's pages (iop/slots.py): the client's coming sessions on the
portal, and on the staff dashboard the live attendance of today's sessions and open alerts."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from iop import slots
from iop.accounts.selectors import client_profile_of
from iop.audit.services import access_record_list
from iop.viewer import person_of
from sessions_app import selectors


def portal_sessions(request: HttpRequest) -> dict[str, Any] | None:
    user = request.user
    client = client_profile_of(user) if user.is_authenticated else None
    if client is None:
        return {"sessions": []}
    now = timezone.now()
    return {"sessions": selectors.client_upcoming(client, now=now, days=7)[:5], "now": now}


def staff_today(request: HttpRequest) -> dict[str, Any] | None:
    user = person_of(request.user)
    if user is None or not user.is_clinical:
        return None
    today = timezone.localdate()
    sessions = [
        s for s in selectors.sessions_between(user, today, today) if s.status == "scheduled"
    ]
    expected = selectors.expected_by_session(sessions)
    attendance = selectors.attendance_of_sessions(sessions)
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
        "rows": rows,
        "alerts": list(selectors.open_engagement_alerts(user)[:20]),
        "now": timezone.now(),
    }


def register() -> None:
    slots.register_link(
        slots.PORTAL_NAV, slots.Link("sessions", "Sessions", "sessions:list", order=20)
    )
    slots.register_link(
        slots.STAFF_NAV, slots.Link("sessions", "Sessions", "sessions_staff:list", order=20)
    )
    slots.register_panel(
        slots.PORTAL_HOME,
        slots.Panel("sessions", "sessions_app/_portal_panel.html", portal_sessions, order=10),
    )
    slots.register_panel(
        slots.STAFF_DASHBOARD,
        slots.Panel("sessions", "sessions_app/_dashboard_panel.html", staff_today, order=10),
    )
