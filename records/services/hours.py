"""The weekly hours check: a client below the program's minimum from its check day (program
time) raises an engagement alert to the care team, through sessions' missed-session path.

Each program has one timer row (HoursCheck). The beat's tick claims due rows with FOR UPDATE
SKIP LOCKED, checks the program's clients when the week has reached its check day, and sets
the next due time (the next local midnight until the week ends, then next week's check day),
all in one transaction, so concurrent ticks never check a program twice at once and a crash
leaves the timer for the next tick. Alerts are unique per client and week, so a repeated check
raises nothing new.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from iop.accounts.models import ClientProfile, Program
from records.models import HoursCheck
from records.selectors.hours import WITH_RULES, hours_of
from records.selectors.settings import record_settings_for
from records.weeks import WEEK, local_midnight, local_today, week_of
from sessions_app.selectors import AlertReason
from sessions_app.services import engagement_alert_raise

log = logging.getLogger(__name__)

CLAIM_BATCH = 10
RETRY_AFTER = timedelta(minutes=5)


def check_day_of(monday: date, weekday: int) -> date:
    return monday + timedelta(days=weekday)


def _next_due(program: Program, weekday: int, now: datetime) -> tuple[datetime, bool]:
    """When the program is next checked, and whether it is checked now (the week has reached
    its check day)."""
    zone = program.time_zone
    today = local_today(zone, now)
    monday = week_of(today)
    check_day = check_day_of(monday, weekday)
    if today < check_day:
        return local_midnight(check_day, zone), False
    tomorrow = today + timedelta(days=1)
    if tomorrow < monday + WEEK:
        return local_midnight(tomorrow, zone), True
    return local_midnight(check_day_of(monday + WEEK, weekday), zone), True


def hours_check_program(program: Program, *, now: datetime) -> int:
    """Raise the week's alert for each current client of the program below its minimum;
    returns how many alerts are new."""
    clients = list(
        ClientProfile.objects.select_related(*WITH_RULES)
        .filter(program=program, user__is_active=True)
        .exclude(discharged_on__lte=local_today(program.time_zone, now))
        .order_by("pk")
    )
    raised = 0
    for found in hours_of(clients, now=now, count=1):
        week = found.this_week
        if not week.below_minimum:
            continue
        _, created = engagement_alert_raise(
            client=found.client,
            reason=AlertReason.BELOW_WEEKLY_MINIMUM,
            week_starts_on=week.starts_on,
            detail=f"{week.hours} of {found.rule.minimum} hours this week",
        )
        raised += created
    return raised


def _ensure_timers(now: datetime) -> None:
    """Every active program has its timer row (a new program is checked at the next tick)."""
    missing = Program.objects.filter(is_active=True, hours_check__isnull=True).values_list(
        "pk", flat=True
    )
    HoursCheck.objects.bulk_create(
        [HoursCheck(program_id=pk, due_at=now) for pk in missing], ignore_conflicts=True
    )


def hours_check_tick(*, now: datetime | None = None, batch: int = CLAIM_BATCH) -> int:
    """Check the programs whose timer is due; returns how many alerts were raised."""
    now = now or timezone.now()
    _ensure_timers(now)
    raised = 0
    with transaction.atomic():
        due = list(
            HoursCheck.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("program")
            .filter(due_at__lte=now)
            .order_by("due_at")[:batch]
        )
        for timer in due:
            program = timer.program
            weekday = record_settings_for(program).engagement_check_weekday
            next_due, check_now = _next_due(program, weekday, now)
            try:
                with transaction.atomic():
                    if check_now and program.is_active:
                        raised += hours_check_program(program, now=now)
                        timer.last_checked_at = now
                        timer.last_week_checked = week_of(local_today(program.time_zone, now))
                    timer.due_at = next_due
                    timer.save(update_fields=["due_at", "last_checked_at", "last_week_checked"])
            except Exception:  # noqa: BLE001 - one program must not hold up the others
                log.exception("hours check of program %s failed; retrying later", program.pk)
                HoursCheck.objects.filter(pk=timer.pk).update(due_at=now + RETRY_AFTER)
    return raised


def hours_check_reschedule(program: Program) -> None:
    """The program's settings changed: check again at the next tick (which sets the new time)."""
    HoursCheck.objects.filter(program=program).update(due_at=timezone.now())
