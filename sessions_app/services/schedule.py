"""The schedule: single sessions, cancelling and moving one occurrence, and the overlap check.

Every write checks the facilitator has no overlapping session (materialised, or still only a
rule of one of their series), under a row lock on the facilitator so two writes cannot both
pass the check. A refused write saves nothing.
"""

from __future__ import annotations

import logging
import zoneinfo
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from iop.accounts.models import CLINICAL_ROLES, ClientProfile, Program, Role, StaffProfile, User
from iop.audit.models import Action
from iop.audit.services import access_record
from iop.domain import Conflict
from iop.viewer import Actor
from sessions_app import recurrence
from sessions_app.live import to_facilitators
from sessions_app.models import (
    GROUP_KINDS,
    Group,
    Session,
    SessionKind,
    SessionSeries,
    SessionStatus,
    VideoProviderName,
)
from sessions_app.selectors import expected_clients, program_settings, zone_of
from sessions_app.services.access import require_manage_session, require_schedule_for
from sessions_app.services.reminders import notices_send, reminders_cancel, reminders_schedule
from sessions_app.video import livekit_configured
from sessions_app.wording import when_text

log = logging.getLogger(__name__)

FINALISE_MARGIN = timedelta(minutes=5)
MAX_MINUTES = 12 * 60


# --- checks ---------------------------------------------------------------------------------


def program_of(group: Group | None, client: ClientProfile | None) -> Program:
    if group is not None:
        return group.program
    if client is not None:
        return client.program
    raise ValidationError(
        {"group": ["Choose the group (or, for individual sessions, the client)."]}
    )


def check_shape(
    *,
    kind: str,
    group: Group | None,
    client: ClientProfile | None,
    facilitator: User | None,
    program: Program,
    minutes: int | None,
    video_provider: str,
    external_url: str,
) -> None:
    errors: dict[str, list[str]] = {}
    if kind not in SessionKind.values:
        errors["kind"] = [f"Choose one of: {', '.join(SessionKind.values)}."]
    elif kind in GROUP_KINDS and (group is None or client is not None):
        errors["group"] = [
            "A group or psychoeducation session is held for a group (and no single client)."
        ]
    elif kind not in GROUP_KINDS and (client is None or group is not None):
        errors["client"] = [
            "An individual or family session is held for one client (and no group)."
        ]
    if group is not None and not group.is_active:
        errors["group"] = [f"{group} is no longer active."]
    if facilitator is None:
        errors["facilitator"] = ["Choose who facilitates the session."]
    elif not _may_facilitate(facilitator, program):
        errors["facilitator"] = [f"{facilitator} is not a clinician of {program}."]
    if minutes is not None and not 5 <= minutes <= MAX_MINUTES:
        errors["duration_minutes"] = [f"A session lasts between 5 and {MAX_MINUTES} minutes."]
    if video_provider not in VideoProviderName.values:
        errors["video_provider"] = [f"Choose one of: {', '.join(VideoProviderName.values)}."]
    elif video_provider == VideoProviderName.EXTERNAL and not external_url:
        errors["external_url"] = ["The external video provider needs the room's link."]
    elif video_provider == VideoProviderName.LIVEKIT and not livekit_configured():
        errors["video_provider"] = [
            "LiveKit is not set up on this server (LIVEKIT_URL, LIVEKIT_API_KEY, "
            "LIVEKIT_API_SECRET)."
        ]
    if errors:
        raise ValidationError(errors)


def _may_facilitate(user: User, program: Program) -> bool:
    if not user.is_active or user.role not in CLINICAL_ROLES:
        return False
    return (
        user.role == Role.ADMIN or StaffProfile.objects.filter(user=user, program=program).exists()
    )


def lock_facilitator(user: User) -> None:
    """Serialise schedule writes for one facilitator (the overlap check reads, then writes)."""
    User.objects.select_for_update().filter(pk=user.pk).get()


Interval = tuple[datetime, datetime]


def _overlap(a: Interval, b: Interval) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def refuse_overlaps(
    facilitator: User,
    intervals: list[Interval],
    *,
    zone: zoneinfo.ZoneInfo,
    exclude_ids: set[int] | frozenset[int] = frozenset(),
    exclude_series_id: int | None = None,
) -> None:
    """Refuse (naming `facilitator`) if any interval overlaps one of their other sessions."""
    if not intervals:
        return
    lo, hi = min(i[0] for i in intervals), max(i[1] for i in intervals)
    busy: list[tuple[str, datetime, datetime]] = [
        (s.title, s.starts_at, s.ends_at)
        for s in Session.objects.filter(
            facilitator=facilitator,
            status=SessionStatus.SCHEDULED,
            starts_at__lt=hi,
            ends_at__gt=lo,
        )
        .exclude(pk__in=exclude_ids)
        .only("title", "starts_at", "ends_at")
    ]
    # Occurrences their series will only materialise later.
    first_day, last_day = lo.astimezone(zone).date(), hi.astimezone(zone).date()
    series = SessionSeries.objects.filter(facilitator=facilitator, is_active=True).select_related(
        "program"
    )
    if exclude_series_id is not None:
        series = series.exclude(pk=exclude_series_id)
    for other in series:
        start = max(first_day - timedelta(days=1), other.starts_on)
        if other.generated_until is not None:
            start = max(start, other.generated_until + timedelta(days=1))
        end = min(last_day, other.ends_on) if other.ends_on else last_day
        rule = recurrence.parse_rule(other.rule, zone_of(other.program))
        for occ in recurrence.occurrences(
            rule,
            starts_on=other.starts_on,
            start_time=other.start_time,
            minutes=other.duration_minutes,
            zone=zone_of(other.program),
            first_day=start,
            last_day=end,
        ):
            busy.append((other.title, occ.starts_at, occ.ends_at))
    for interval in sorted(intervals):
        for title, starts_at, ends_at in busy:
            if _overlap(interval, (starts_at, ends_at)):
                when = when_text(starts_at, zone.key)
                raise ValidationError(
                    {
                        "facilitator": [
                            f"{facilitator} already facilitates “{title}” at {when}; "
                            "one facilitator's sessions cannot overlap."
                        ]
                    }
                )


def set_timers(session: Session, *, now: datetime) -> None:
    grace = timedelta(minutes=program_settings(session.program_id).missed_grace_minutes)
    due = session.starts_at + grace
    # A session put on the schedule after its grace period has passed has nobody to chase.
    session.missed_check_due_at = due if due > now else None
    session.finalise_due_at = session.ends_at + FINALISE_MARGIN
    session.missed_checked_at = None
    session.finalised_at = None


def local_today(program: Program, now: datetime) -> date:
    return now.astimezone(zone_of(program)).date()


def horizon_day(program: Program, now: datetime) -> date:
    return local_today(program, now) + timedelta(days=settings.SESSIONS_HORIZON_DAYS)


# --- single sessions ------------------------------------------------------------------------


def _check_times(starts_at: datetime, ends_at: datetime) -> None:
    if starts_at is None or timezone.is_naive(starts_at):
        raise ValidationError({"starts_at": ["Give the start with its time zone."]})
    if ends_at is None or timezone.is_naive(ends_at):
        raise ValidationError({"ends_at": ["Give the end with its time zone."]})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": ["A session must end after it starts."]})
    if ends_at - starts_at > timedelta(minutes=MAX_MINUTES):
        raise ValidationError({"ends_at": [f"A session lasts at most {MAX_MINUTES // 60} hours."]})


def session_create(
    *,
    actor: Actor,
    kind: str,
    title: str,
    facilitator: User,
    starts_at: datetime,
    ends_at: datetime,
    group: Group | None = None,
    client: ClientProfile | None = None,
    video_provider: str = "",
    external_url: str = "",
) -> Session:
    """Schedule one session that does not recur."""
    video_provider = video_provider or settings.SESSIONS_VIDEO_PROVIDER
    program = program_of(group, client)
    _check_times(starts_at, ends_at)
    check_shape(
        kind=kind,
        group=group,
        client=client,
        facilitator=facilitator,
        program=program,
        minutes=None,
        video_provider=video_provider,
        external_url=external_url,
    )
    if not title.strip():
        raise ValidationError({"title": ["Give the session a title clients will recognise."]})
    require_schedule_for(actor, program_id=program.pk, group=group, client=client)
    zone = zone_of(program)
    now = timezone.now()
    with transaction.atomic():
        lock_facilitator(facilitator)
        refuse_overlaps(facilitator, [(starts_at, ends_at)], zone=zone)
        session = Session(
            program=program,
            group=group,
            client=client,
            kind=kind,
            title=title.strip(),
            facilitator=facilitator,
            starts_at=starts_at,
            ends_at=ends_at,
            local_date=starts_at.astimezone(zone).date(),
            video_provider=video_provider,
            external_url=external_url,
        )
        set_timers(session, now=now)
        session.save()
        access_record(actor=actor, action=Action.CREATE, client=client, obj=session)
        reminders_schedule(session, now=now)
    return session


def _locked(session: Session) -> Session:
    return (
        Session.objects.select_for_update(of=("self",))
        .select_related("program", "group", "series")
        .get(pk=session.pk)
    )


def cancel_one(session: Session, *, reason: str, now: datetime, notify: bool = True) -> None:
    clients = expected_clients(session)
    session.status = SessionStatus.CANCELLED
    session.cancel_reason = reason[:200]
    session.missed_check_due_at = session.finalise_due_at = None
    session.save(
        update_fields=["status", "cancel_reason", "missed_check_due_at", "finalise_due_at"]
    )
    reminders_cancel(session, reason="the session was cancelled")
    if notify:
        notices_send(session, kind="cancelled", clients=clients, now=now, reason=reason)


def session_cancel(*, actor: Actor, session: Session, reason: str = "") -> Session:
    """Cancel one occurrence: its reminders are withdrawn and near-term clients are told."""
    require_manage_session(actor, session)
    now = timezone.now()
    with transaction.atomic():
        session = _locked(session)
        if session.status == SessionStatus.CANCELLED:
            raise Conflict("This session is already cancelled.")
        if session.ends_at <= now:
            raise Conflict("This session has already happened; correct its attendance instead.")
        cancel_one(session, reason=reason, now=now)
        access_record(actor=actor, action=Action.UPDATE, client=session.client, obj=session)
        to_facilitators(session, "session.cancelled", {"title": f"Cancelled: {session.title}"})
    return session


def move_session(
    session: Session, starts_at: datetime, ends_at: datetime, *, now: datetime
) -> None:
    reminders_cancel(session, reason="the session moved")
    zone = zone_of(session.program)
    session.starts_at, session.ends_at = starts_at, ends_at
    session.local_date = starts_at.astimezone(zone).date()
    session.revision += 1
    set_timers(session, now=now)
    session.save()
    reminders_schedule(session, now=now)
    notices_send(session, kind="moved", clients=expected_clients(session), now=now)


def session_reschedule(
    *, actor: Actor, session: Session, starts_at: datetime, ends_at: datetime
) -> Session:
    """Move one occurrence; changes to the rest of its series will leave it where it is."""
    _check_times(starts_at, ends_at)
    require_manage_session(actor, session)
    now = timezone.now()
    if starts_at <= now:
        raise ValidationError({"starts_at": ["Choose a start in the future."]})
    with transaction.atomic():
        session = _locked(session)
        if session.status == SessionStatus.CANCELLED:
            raise Conflict("A cancelled session cannot be moved.")
        if session.starts_at <= now:
            raise Conflict("This session has already started and cannot be moved.")
        lock_facilitator(session.facilitator)
        refuse_overlaps(
            session.facilitator,
            [(starts_at, ends_at)],
            zone=zone_of(session.program),
            exclude_ids={session.pk},
        )
        session.is_exception = session.series_id is not None
        move_session(session, starts_at, ends_at, now=now)
        access_record(actor=actor, action=Action.UPDATE, client=session.client, obj=session)
        to_facilitators(session, "session.moved", {"title": f"Moved: {session.title}"})
    return session
