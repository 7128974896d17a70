"""What the hours tests share: attendance written directly (how it is derived is sessions'
business, tested there), in a group of the client's program."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from iop.accounts.models import ClientProfile, Role, User
from sessions_app.models import Attendance, AttendanceStatus, Group, Session, SessionKind
from tests.factories import StaffFactory

NEW_YORK = ZoneInfo("America/New_York")


def local(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, zone: ZoneInfo = NEW_YORK
) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=zone)


def attended(client: ClientProfile, starts_at: datetime, minutes: int) -> Attendance:
    """The client attended `minutes` of a group session starting at `starts_at`."""
    program = client.program
    group, _ = Group.objects.get_or_create(
        program=program, name="Hours group", defaults={"capacity": 50}
    )
    facilitator: User | None = group.facilitators.first()
    if facilitator is None:
        facilitator = User.objects.get(
            pk=StaffFactory.create(role=Role.CLINICIAN, profile__program=program).pk
        )
        group.facilitators.add(facilitator)
    session = Session.objects.create(
        program=program,
        group=group,
        kind=SessionKind.GROUP,
        title="Process group",
        facilitator=facilitator,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=max(minutes, 60)),
        local_date=starts_at.astimezone(ZoneInfo(program.time_zone)).date(),
    )
    return Attendance.objects.create(
        session=session,
        client=client,
        session_starts_at=starts_at,
        derived_status=AttendanceStatus.PRESENT if minutes else AttendanceStatus.NO_SHOW,
        minutes_attended=minutes,
        is_final=True,
    )
