"""The demo clinic's session notes (part of `manage.py seed_demo`). Safe to run again.

clinician1's group met two days ago ("Skills group (demo)"): everyone joined, one client's note
is signed with an addendum, and the others' notes are there to write, so the walkthrough
"clinician1 documents a demo session" starts from the session page's "Write notes". A draft
from a session four days ago sits on clinician1's dashboard as unsigned past 72 hours.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import timezone

from iop.accounts.demo import DemoClinic
from records.models import SessionNote
from records.services import note_addendum_add, note_draft_create, note_sign
from sessions_app.selectors import expected_clients, groups_visible_to, sessions_visible_to
from sessions_app.services import attendance_event_record, session_create, session_finalise

TITLE = "Skills group (demo)"
OVERDUE_TITLE = "Skills group (demo, unsigned note)"
SIGNED = {
    "data": "Joined on time, camera on. Described a hard week at work and used the 5-4-3-2-1 "
    "grounding skill when the group discussed triggers.",
    "assessment": "Engaged and insightful; mood lower than last week, no safety concerns raised.",
    "plan": "Practise grounding daily; review the thought record on Friday.",
}


# Program-time hours tried in turn: clinician1's other demo sessions (the daytime skills
# blocks of the hours demo, the session under way) may hold one of them.
HOURS_TRIED = (18, 16, 19, 8, 20, 14)


def _free_session(clinic: DemoClinic, group: Any, title: str, days_ago: int) -> Any:
    """A 90-minute session `days_ago` days back at the first hour clinician1 is free."""
    clinician, admin = clinic.staff["clinician1"], clinic.staff["admin"]
    zone = ZoneInfo(clinic.program.time_zone)
    day = timezone.localdate(timezone=zone) - timedelta(days=days_ago)
    for hour in HOURS_TRIED:
        starts_at = datetime.combine(day, time(hour), tzinfo=zone)
        try:
            return session_create(
                actor=admin,
                group=group,
                kind="group",
                title=title,
                facilitator=clinician,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=90),
            )
        except ValidationError:
            continue  # clinician1 facilitates something else then
    return None


def _past_session(clinic: DemoClinic, group: Any, title: str, days_ago: int) -> Any:
    session = _free_session(clinic, group, title, days_ago)
    if session is None:
        return None
    starts_at = session.starts_at
    for client in expected_clients(session):
        attendance_event_record(
            actor=client.user,
            session=session,
            client=client,
            kind="join",
            source="webhook",
            at=starts_at + timedelta(minutes=1),
        )
    session_finalise(session=session, now=starts_at + timedelta(minutes=120))
    return session


def seed_session_notes(clinic: DemoClinic) -> None:
    clinician = clinic.staff.get("clinician1")
    if clinician is None:
        return
    if sessions_visible_to(clinic.staff["admin"]).filter(title=TITLE).exists():
        return
    group = groups_visible_to(clinician).order_by("pk").first()
    if group is None:
        return
    session = _past_session(clinic, group, TITLE, 2)
    clients = expected_clients(session) if session is not None else []
    if clients:
        note = note_draft_create(
            actor=clinician, client=clients[0], session_id=session.pk, sections=SIGNED
        )
        note = note_sign(actor=clinician, note=note, typed_name=clinician.full_name)
        note_addendum_add(
            actor=clinician,
            note=note,
            reason="Late entry",
            text="Called the client the next morning as agreed; they practised grounding twice.",
        )
    older = _past_session(clinic, group, OVERDUE_TITLE, 4)
    for client in expected_clients(older)[:1] if older is not None else []:
        if not SessionNote.objects.filter(session=older, client=client).exists():
            note_draft_create(
                actor=clinician,
                client=client,
                session_id=older.pk,
                sections={"data": "Quiet in group; left the camera off."},
            )
