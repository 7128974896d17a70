"""Engagement alerts: the care team should reach out to a client.

Raised by the missed-session check (a session) and, through `engagement_alert_raise`, by the
apps above sessions about a whole treatment week (records: hours below the program's minimum).
Each is raised once (a unique constraint per client and session, or per client, week and
reason), recorded in the audit log and told live to the client's care team.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.urls import reverse

from iop.accounts.models import ClientProfile
from iop.audit.models import Action
from iop.audit.services import access_record
from iop.domain import DomainError
from iop.realtime.publish import publish_about_client
from sessions_app.models import AlertReason, EngagementAlert, Session
from sessions_app.selectors import care_team_ids

WEEKLY_REASONS = frozenset({AlertReason.BELOW_WEEKLY_MINIMUM})


def engagement_alert_raise(
    *,
    client: ClientProfile,
    reason: str,
    session: Session | None = None,
    week_starts_on: date | None = None,
    detail: str = "",
) -> tuple[EngagementAlert, bool]:
    """Raise the alert about the session or the week once; a repeat returns the first one
    (and False). Harbor raises these itself, so there is no actor."""
    if (session is None) == (week_starts_on is None):
        raise DomainError("An engagement alert is about one missed session or one week.")
    if week_starts_on is not None and reason not in WEEKLY_REASONS:
        raise DomainError(f"{reason!r} is not a reason for an alert about a week.")
    if week_starts_on is not None and week_starts_on.weekday() != 0:
        raise DomainError("A treatment week is named by its Monday.")
    with transaction.atomic():
        if session is not None:
            alert, created = EngagementAlert.objects.get_or_create(
                client=client, session=session, defaults={"reason": reason}
            )
        else:
            alert, created = EngagementAlert.objects.get_or_create(
                client=client, week_starts_on=week_starts_on, reason=reason
            )
        if created:
            access_record(actor=None, action=Action.CREATE, client=client, obj=alert)
            _tell_care_team(alert, client, detail)
    return alert, created


def _tell_care_team(alert: EngagementAlert, client: ClientProfile, detail: str) -> None:
    label = AlertReason(alert.reason).label.lower()
    title = f"Engagement alert: {client.user.display_name}: {label}"
    publish_about_client(
        "sessions.engagement_alert",
        {
            "alert_id": alert.pk,
            "session_id": alert.session_id,
            "week_starts_on": alert.week_starts_on.isoformat() if alert.week_starts_on else None,
            "reason": alert.reason,
            "title": f"{title} ({detail})." if detail else f"{title}.",
            "url": reverse("staff:client", args=[client.pk]),
        },
        client_id=client.pk,
        user_ids=care_team_ids(client),
    )
