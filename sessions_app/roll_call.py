"""The roll call of sessions whose grace period has passed: who was expected, and how they did.

The missed-session tick runs every few seconds and must stay fast on a slow machine, so this
read is one SQL statement instead of the eight ORM queries it replaces: expected clients by
enrolment and by make-up, their attendance at this session and at the one before, whether they
agreed to texts, and the risk at their latest check-in. The rules are the ones stated in the
ORM by `selectors.expected_by_session`, `Attendance.status` and `consent_is_active`; tests
check that the roll call gives the same answers as ORM queries, rule by rule.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from crisis.selectors import RiskLevel, latest_risk_sql
from iop.accounts.models import ClientProfile, User
from iop.consents.models import ConsentKind
from iop.consents.selectors import consent_active_sql
from sessions_app.models import MakeUpStatus, SessionStatus


@dataclass
class Expected:
    """One expected client of a session, with their attendance at it so far."""

    client: ClientProfile  # with `user` loaded: name, email, phone, time zone and role
    attendance_id: int | None
    joined: bool  # has joined the room at least once
    reported_tech_issue: bool
    corrected_status: str  # staff's correction ("" when none), e.g. excused
    previous_status: str | None  # status at the session before this one they were expected at
    may_text: bool  # has active consent to text messages
    latest_risk: str | None  # risk level at their latest check-in

    @property
    def high_risk(self) -> bool:
        return self.latest_risk == RiskLevel.HIGH

    @property
    def accounted_for(self) -> bool:
        """Joined, told us they cannot connect, or has a status set by staff."""
        return self.joined or self.reported_tech_issue or bool(self.corrected_status)


# In the model's field order, as `Model.from_db` reads them.
USER_FIELDS = tuple(
    f.attname
    for f in User._meta.concrete_fields
    if f.attname in {"id", "full_name", "preferred_name", "email", "phone", "time_zone", "role"}
)

_SQL = f"""
WITH due AS (
    SELECT id, group_id, client_id, local_date, starts_at
    FROM sessions_app_session WHERE id = ANY(%(ids)s)
), expected AS (
    SELECT due.id AS session_id, due.client_id FROM due WHERE due.client_id IS NOT NULL
    UNION
    SELECT due.id, e.client_id FROM due
    JOIN sessions_app_enrolment e ON e.group_id = due.group_id
        AND e.starts_on <= due.local_date AND (e.ends_on IS NULL OR e.ends_on >= due.local_date)
    UNION
    SELECT due.id, m.client_id FROM due
    JOIN sessions_app_makeuprequest m ON m.target_session_id = due.id AND m.status = %(approved)s
)
SELECT x.session_id, c.id, {", ".join(f"u.{f}" for f in USER_FIELDS)},
       a.id, a.first_joined_at IS NOT NULL, COALESCE(a.reported_tech_issue, false),
       COALESCE(a.corrected_status, ''), before.status,
       {consent_active_sql(client="c.id", kind="%(sms)s", at="%(at)s")},
       {latest_risk_sql(client="c.id")}
FROM expected x
JOIN due ON due.id = x.session_id
JOIN accounts_clientprofile c ON c.id = x.client_id
JOIN accounts_user u ON u.id = c.user_id
LEFT JOIN sessions_app_attendance a ON a.session_id = x.session_id AND a.client_id = x.client_id
LEFT JOIN LATERAL (
    SELECT COALESCE(NULLIF(p.corrected_status, ''), p.derived_status) AS status
    FROM sessions_app_attendance p
    JOIN sessions_app_session ps ON ps.id = p.session_id
    WHERE p.client_id = x.client_id AND p.session_starts_at < due.starts_at
      AND p.session_id <> x.session_id AND ps.status <> %(cancelled)s
    ORDER BY p.session_starts_at DESC
    LIMIT 1
) before ON true
ORDER BY x.session_id, u.full_name, c.id
"""  # noqa: S608 - only constant SQL is interpolated


def roll_call_params(session_ids: list[int], *, at: datetime) -> dict:
    return {
        "ids": list(session_ids),
        "approved": MakeUpStatus.APPROVED.value,
        "cancelled": SessionStatus.CANCELLED.value,
        "sms": ConsentKind.SMS.value,
        "at": at,
    }


def roll_call(session_ids: list[int], *, at: datetime) -> dict[int, list[Expected]]:
    """Each session's expected clients (by name), in one query whatever the number of sessions.

    `at`: the moment consents are judged at (the tick's now).
    """
    result: dict[int, list[Expected]] = defaultdict(list)
    if not session_ids:
        return result
    with connection.cursor() as cursor:
        cursor.execute(_SQL, roll_call_params(session_ids, at=at))
        rows = cursor.fetchall()
    width = len(USER_FIELDS)
    for session_id, client_id, *rest in rows:
        user = User.from_db("default", USER_FIELDS, rest[:width])
        client = ClientProfile.from_db("default", ("id", "user_id"), (client_id, user.pk))
        client.user = user
        result[session_id].append(Expected(client, *rest[width:]))
    return result
