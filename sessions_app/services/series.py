"""Series: materialising a rule's occurrences for the rolling horizon, extending it, and
cancelling or changing this and every later occurrence."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from iop.accounts.models import ClientProfile, User
from iop.audit.models import Action
from iop.audit.services import access_record
from iop.viewer import Actor, accountable_user_of
from sessions_app import recurrence
from sessions_app.live import to_facilitators
from sessions_app.models import Group, Session, SessionSeries, SessionStatus
from sessions_app.selectors import zone_of
from sessions_app.services.access import require_manage_session, require_schedule_for
from sessions_app.services.reminders import reminders_schedule
from sessions_app.services.schedule import (
    MAX_MINUTES,
    cancel_one,
    check_shape,
    horizon_day,
    local_today,
    lock_facilitator,
    move_session,
    program_of,
    refuse_overlaps,
    set_timers,
)


def _materialise(
    series: SessionSeries, first_day: date, last_day: date, *, now: datetime, check: bool
) -> list[Session]:
    if series.ends_on is not None:
        last_day = min(last_day, series.ends_on)
    first_day = max(first_day, series.starts_on)
    zone = zone_of(series.program)
    rule = recurrence.parse_rule(series.rule, zone)
    found = recurrence.occurrences(
        rule,
        starts_on=series.starts_on,
        start_time=series.start_time,
        minutes=series.duration_minutes,
        zone=zone,
        first_day=first_day,
        last_day=last_day,
    )
    taken = set(
        series.sessions.filter(
            occurrence_date__gte=first_day, occurrence_date__lte=last_day
        ).values_list("occurrence_date", flat=True)
    )
    new = [o for o in found if o.day not in taken and o.starts_at > now]
    intervals = [(o.starts_at, o.ends_at) for o in new]
    if check:
        refuse_overlaps(series.facilitator, intervals, zone=zone, exclude_series_id=series.pk)
    sessions = []
    for occ in new:
        session = Session(
            series=series,
            program=series.program,
            group=series.group,
            client=series.client,
            kind=series.kind,
            title=series.title,
            facilitator=series.facilitator,
            starts_at=occ.starts_at,
            ends_at=occ.ends_at,
            local_date=occ.day,
            occurrence_date=occ.day,
            video_provider=series.video_provider,
        )
        set_timers(session, now=now)
        sessions.append(session)
    return Session.objects.bulk_create(sessions)


def series_create(
    *,
    actor: Actor,
    kind: str,
    title: str,
    facilitator: User,
    rule: str,
    starts_on: date,
    start_time: time,
    duration_minutes: int,
    group: Group | None = None,
    client: ClientProfile | None = None,
    ends_on: date | None = None,
    video_provider: str = "",
    external_url: str = "",
) -> SessionSeries:
    """Create a recurring series and its sessions up to the horizon; refused whole on any clash."""
    video_provider = video_provider or settings.SESSIONS_VIDEO_PROVIDER
    program = program_of(group, client)
    check_shape(
        kind=kind,
        group=group,
        client=client,
        facilitator=facilitator,
        program=program,
        minutes=duration_minutes,
        video_provider=video_provider,
        external_url=external_url,
    )
    if not title.strip():
        raise ValidationError({"title": ["Give the series a title clients will recognise."]})
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": ["The series must end on or after its first day."]})
    zone = zone_of(program)
    parsed = recurrence.parse_rule(rule, zone)
    now = timezone.now()
    first_day = max(starts_on, local_today(program, now))
    first = recurrence.first_occurrence(
        parsed, starts_on=starts_on, start_time=start_time, on_or_after=first_day
    )
    if first is None or (ends_on is not None and first > ends_on):
        raise ValidationError(
            {"rule": [f"This rule produces no session on or after {first_day:%d %b %Y}."]}
        )
    require_schedule_for(actor, program_id=program.pk, group=group, client=client)
    with transaction.atomic():
        lock_facilitator(facilitator)
        series = SessionSeries.objects.create(
            program=program,
            group=group,
            client=client,
            kind=kind,
            title=title.strip(),
            facilitator=facilitator,
            rule=parsed.text,
            starts_on=starts_on,
            start_time=start_time,
            duration_minutes=duration_minutes,
            ends_on=ends_on,
            video_provider=video_provider,
            external_url=external_url,
            created_by=accountable_user_of(actor),
        )
        created = _materialise(series, first_day, horizon_day(program, now), now=now, check=True)
        series.generated_until = horizon_day(program, now)
        series.save(update_fields=["generated_until"])
        access_record(actor=actor, action=Action.CREATE, client=client, obj=series)
        for session in created:
            reminders_schedule(session, now=now)
    return series


def series_extend(*, series: SessionSeries, until: date, now: datetime | None = None) -> int:
    """Materialise the series up to `until` (the rolling horizon). Idempotent."""
    now = now or timezone.now()
    with transaction.atomic():
        series = (
            SessionSeries.objects.select_for_update()
            .select_related("program", "facilitator")
            .get(pk=series.pk)
        )
        if not series.is_active or (series.generated_until and series.generated_until >= until):
            return 0
        start = (
            series.generated_until + timedelta(days=1)
            if series.generated_until
            else series.starts_on
        )
        start = max(start, local_today(series.program, now))
        created = _materialise(series, start, until, now=now, check=False)
        series.generated_until = until
        series.save(update_fields=["generated_until"])
        for session in created:
            reminders_schedule(session, now=now)
    return len(created)


def schedule_extend(*, now: datetime | None = None) -> int:
    """Extend every active series to its program's horizon (the daily/hourly beat task)."""
    now = now or timezone.now()
    made = 0
    for series in SessionSeries.objects.filter(is_active=True).select_related("program"):
        until = horizon_day(series.program, now)
        if series.generated_until is None or series.generated_until < until:
            made += series_extend(series=series, until=until, now=now)
    return made


def series_cancel_from(*, actor: Actor, session: Session, reason: str = "") -> int:
    """Cancel this occurrence and every later one of its series; the series ends the day before."""
    require_manage_session(actor, session)
    if session.series_id is None:
        raise ValidationError({"session": ["This session is not part of a series."]})
    now = timezone.now()
    with transaction.atomic():
        series = SessionSeries.objects.select_for_update().get(pk=session.series_id)
        from_day = session.occurrence_date or session.local_date
        series.ends_on = from_day - timedelta(days=1)
        series.is_active = series.ends_on >= series.starts_on
        series.save(update_fields=["ends_on", "is_active"])
        later = list(
            series.sessions.select_for_update(of=("self",))
            .filter(status=SessionStatus.SCHEDULED, local_date__gte=from_day, starts_at__gt=now)
            .select_related("program", "group", "client__user")
        )
        for each in later:
            cancel_one(each, reason=reason, now=now)
        access_record(actor=actor, action=Action.UPDATE, client=series.client, obj=series)
        to_facilitators(
            session, "session.cancelled", {"title": f"Cancelled from {from_day}: {series.title}"}
        )
    return len(later)


def series_reschedule_from(
    *,
    actor: Actor,
    session: Session,
    start_time: time,
    duration_minutes: int,
    rule: str | None = None,
) -> SessionSeries:
    """Change the time (and optionally the rule) of this occurrence and every later one.

    Later occurrences the new rule still has are moved, those it no longer has are cancelled,
    and new days are added; occurrences moved on their own are left as they are.
    """
    require_manage_session(actor, session)
    if session.series_id is None:
        raise ValidationError({"session": ["This session is not part of a series."]})
    if not 5 <= duration_minutes <= MAX_MINUTES:
        raise ValidationError(
            {"duration_minutes": [f"A session lasts between 5 and {MAX_MINUTES} minutes."]}
        )
    now = timezone.now()
    with transaction.atomic():
        series = (
            SessionSeries.objects.select_for_update()
            .select_related("program", "facilitator")
            .get(pk=session.series_id)
        )
        zone = zone_of(series.program)
        parsed = recurrence.parse_rule(rule if rule is not None else series.rule, zone)
        from_day = max(
            session.occurrence_date or session.local_date, local_today(series.program, now)
        )
        first = recurrence.first_occurrence(
            parsed, starts_on=series.starts_on, start_time=start_time, on_or_after=from_day
        )
        if first is None or (series.ends_on is not None and first > series.ends_on):
            raise ValidationError(
                {"rule": [f"This rule produces no session on or after {from_day:%d %b %Y}."]}
            )
        until = series.generated_until or horizon_day(series.program, now)
        wanted = {
            o.day: o
            for o in recurrence.occurrences(
                parsed,
                starts_on=series.starts_on,
                start_time=start_time,
                minutes=duration_minutes,
                zone=zone,
                first_day=from_day,
                last_day=min(until, series.ends_on or until),
            )
            if o.starts_at > now
        }
        rows = {
            s.occurrence_date: s
            for s in series.sessions.select_for_update(of=("self",))
            .filter(occurrence_date__gte=from_day)
            .select_related("program", "group", "client__user")
        }
        movable = {
            d: s
            for d, s in rows.items()
            if s.status == SessionStatus.SCHEDULED and not s.is_exception and s.starts_at > now
        }
        lock_facilitator(series.facilitator)
        changing = {s.pk for s in movable.values()}
        refuse_overlaps(
            series.facilitator,
            [(o.starts_at, o.ends_at) for d, o in wanted.items() if d in movable or d not in rows],
            zone=zone,
            exclude_ids=changing,
            exclude_series_id=series.pk,
        )
        for day, each in movable.items():
            if day not in wanted:
                cancel_one(each, reason="No longer part of the series.", now=now)
            elif (each.starts_at, each.ends_at) != (wanted[day].starts_at, wanted[day].ends_at):
                move_session(each, wanted[day].starts_at, wanted[day].ends_at, now=now)
        series.rule, series.start_time, series.duration_minutes = (
            parsed.text,
            start_time,
            duration_minutes,
        )
        series.save(update_fields=["rule", "start_time", "duration_minutes"])
        added = [d for d in wanted if d not in rows]
        if added:
            for new in _materialise(series, min(added), max(added), now=now, check=False):
                reminders_schedule(new, now=now)
        access_record(actor=actor, action=Action.UPDATE, client=series.client, obj=series)
        to_facilitators(session, "session.moved", {"title": f"Series changed: {series.title}"})
    return series
