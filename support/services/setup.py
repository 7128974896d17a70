"""The support desk's set-up, by administrators: calendars (hours, closures), SLA policies and
canned replies. A change that moves deadlines is applied to the open tickets it concerns at
once, keeping the business time each has already spent."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from datetime import date, time

import holidays
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from iop.audit.models import Action
from iop.audit.services import access_record
from iop.viewer import Actor
from support.models import (
    ACTIVE,
    BusinessHours,
    Closure,
    Macro,
    SlaPolicy,
    SupportCalendar,
    Ticket,
    TicketPriority,
    TicketStatus,
)
from support.services.access import require_admin
from support.services.clock import (
    CLOCK_FIELDS,
    clock_start,
    clock_stop,
    policy_apply_for_priority,
)
from support.services.tickets import MACRO_FIELDS, macro_placeholders

MIDNIGHT = time(0)
MAX_TARGET_MINUTES = 60 * 24 * 60  # sixty days of business time


def _retimed(tickets: QuerySet[Ticket], change: Callable[[], None], *, reapply: bool) -> int:
    """Stop the clocks of `tickets` (locked) under the old set-up, make the change, start them
    under the new one; with `reapply`, each takes the active policy of its priority anew."""
    now = timezone.now()
    locked = list(
        tickets.filter(status__in=ACTIVE)
        .select_for_update(of=("self",))
        .select_related("sla_calendar")
    )
    for ticket in locked:
        clock_stop(ticket, now)
    change()
    for ticket in locked:
        if reapply:
            policy_apply_for_priority(ticket)
        elif ticket.sla_calendar is not None:
            ticket.sla_calendar.refresh_from_db()
        clock_start(ticket, now)
        ticket.save(update_fields=[*CLOCK_FIELDS, "updated_at"])
    return len(locked)


def _calendar_touched(calendar: SupportCalendar) -> None:
    """Hours and closures live in their own rows; the schedule cache keys on updated_at."""
    calendar.save(update_fields=["updated_at"])


# -- calendars --------------------------------------------------------------------------------


def support_calendar_save(
    *,
    actor: Actor,
    name: str,
    time_zone: str,
    holiday_country: str = "",
    holiday_subdivision: str = "",
    calendar: SupportCalendar | None = None,
) -> SupportCalendar:
    """Create or change a calendar; its time zone and holidays must be real ones."""
    require_admin(actor)
    name = (name or "").strip()
    country = (holiday_country or "").strip().upper()
    subdivision = (holiday_subdivision or "").strip().upper()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = ["Give the calendar a name."]
    try:
        zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        errors["time_zone"] = [f"{time_zone!r} is not a time zone name, e.g. America/New_York."]
    supported = holidays.list_supported_countries()
    if country and country not in supported:
        errors["holiday_country"] = [f"No public holidays are known for {country!r}."]
    elif subdivision and (not country or subdivision not in supported.get(country, [])):
        errors["holiday_subdivision"] = [
            f"{subdivision!r} is not a subdivision of {country or 'no country'}."
        ]
    if errors:
        raise ValidationError(errors)
    row = calendar or SupportCalendar()

    def change() -> None:
        row.name, row.time_zone = name, time_zone
        row.holiday_country, row.holiday_subdivision = country, subdivision
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:
            raise ValidationError({"name": ["A calendar of that name exists."]}) from None

    with transaction.atomic():
        if row.pk is None:
            change()
        else:
            _retimed(Ticket.objects.filter(sla_calendar=row), change, reapply=False)
        access_record(actor=actor, action=Action.UPDATE, client=None, obj=row)
    return row


def business_hours_save(
    *,
    actor: Actor,
    calendar: SupportCalendar,
    weekday: int,
    opens: time,
    closes: time,
    hours: BusinessHours | None = None,
) -> BusinessHours:
    """Add or change one open window of a weekday; windows of a day may not overlap."""
    require_admin(actor)
    errors: dict[str, list[str]] = {}
    if not isinstance(weekday, int) or not 0 <= weekday <= 6:
        errors["weekday"] = ["Choose a weekday."]
    if closes != MIDNIGHT and closes <= opens:
        errors["closes"] = ["Close after it opens (00:00 means midnight at the day's end)."]
    if errors:
        raise ValidationError(errors)
    end = time.max if closes == MIDNIGHT else closes
    others = BusinessHours.objects.filter(calendar=calendar, weekday=weekday)
    if hours is not None and hours.pk is not None:
        others = others.exclude(pk=hours.pk)
    for other in others:
        other_end = time.max if other.closes == MIDNIGHT else other.closes
        if opens < other_end and other.opens < end:
            raise ValidationError({"opens": [f"Overlaps {other}."]})
    row = hours or BusinessHours(calendar=calendar)

    def change() -> None:
        row.calendar, row.weekday, row.opens, row.closes = calendar, weekday, opens, closes
        row.save()
        _calendar_touched(calendar)

    with transaction.atomic():
        _retimed(Ticket.objects.filter(sla_calendar=calendar), change, reapply=False)
        access_record(actor=actor, action=Action.UPDATE, client=None, obj=row)
    return row


def business_hours_delete(*, actor: Actor, hours: BusinessHours) -> None:
    """Remove a window; the open tickets' deadlines move at once."""
    require_admin(actor)
    calendar = hours.calendar

    def change() -> None:
        hours.delete()
        _calendar_touched(calendar)

    with transaction.atomic():
        access_record(actor=actor, action=Action.DELETE, client=None, obj=hours)
        _retimed(Ticket.objects.filter(sla_calendar=calendar), change, reapply=False)


def closure_save(
    *,
    actor: Actor,
    calendar: SupportCalendar,
    name: str,
    starts_on: date,
    ends_on: date,
    closure: Closure | None = None,
) -> Closure:
    """Close the desk for some days (beyond public holidays); deadlines move past them."""
    require_admin(actor)
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = ["Say why the desk is closed."]
    if ends_on < starts_on:
        errors["ends_on"] = ["End on or after the first day."]
    elif (ends_on - starts_on).days > 366:
        errors["ends_on"] = ["A closure lasts a year at most."]
    if errors:
        raise ValidationError(errors)
    row = closure or Closure(calendar=calendar)

    def change() -> None:
        row.calendar, row.name, row.starts_on, row.ends_on = calendar, name, starts_on, ends_on
        row.save()
        _calendar_touched(calendar)

    with transaction.atomic():
        _retimed(Ticket.objects.filter(sla_calendar=calendar), change, reapply=False)
        access_record(actor=actor, action=Action.UPDATE, client=None, obj=row)
    return row


def closure_delete(*, actor: Actor, closure: Closure) -> None:
    require_admin(actor)
    calendar = closure.calendar

    def change() -> None:
        closure.delete()
        _calendar_touched(calendar)

    with transaction.atomic():
        access_record(actor=actor, action=Action.DELETE, client=None, obj=closure)
        _retimed(Ticket.objects.filter(sla_calendar=calendar), change, reapply=False)


# -- policies and macros ----------------------------------------------------------------------


def sla_policy_save(
    *,
    actor: Actor,
    name: str,
    priority: str,
    calendar: SupportCalendar,
    first_response_minutes: int,
    next_reply_minutes: int,
    resolution_minutes: int,
    is_active: bool = True,
    policy: SlaPolicy | None = None,
) -> SlaPolicy:
    """Create or change the policy of a priority; its open tickets take the new targets and
    calendar at once, keeping the time they have spent. One active policy per priority."""
    require_admin(actor)
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = ["Give the policy a name."]
    if priority not in TicketPriority.values:
        errors["priority"] = [f"Choose one of: {', '.join(TicketPriority.values)}."]
    targets = {
        "first_response_minutes": first_response_minutes,
        "next_reply_minutes": next_reply_minutes,
        "resolution_minutes": resolution_minutes,
    }
    for field, value in targets.items():
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not 1 <= value <= MAX_TARGET_MINUTES
        ):
            errors[field] = [
                f"A whole number of business minutes from 1 to {MAX_TARGET_MINUTES:,}."
            ]
    if errors:
        raise ValidationError(errors)
    row = policy or SlaPolicy()

    def change() -> None:
        row.name, row.priority, row.calendar, row.is_active = name, priority, calendar, is_active
        row.first_response_minutes = first_response_minutes
        row.next_reply_minutes = next_reply_minutes
        row.resolution_minutes = resolution_minutes
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:
            raise ValidationError(
                {"priority": ["Another active policy covers this priority; deactivate it first."]}
            ) from None

    with transaction.atomic():
        priorities = {priority, *([row.priority] if row.pk else [])}
        concerned = Ticket.objects.filter(
            Q(sla_policy=row) if row.pk else Q(pk__in=[])
        ) | Ticket.objects.filter(priority__in=priorities)
        _retimed(concerned, change, reapply=True)
        access_record(actor=actor, action=Action.UPDATE, client=None, obj=row)
    return row


def macro_save(
    *,
    actor: Actor,
    name: str,
    body: str,
    status: str = "",
    is_active: bool = True,
    macro: Macro | None = None,
) -> Macro:
    """Create or change a canned reply; it may use {first_name}, {agent} and {ticket}."""
    require_admin(actor)
    errors: dict[str, list[str]] = {}
    name, body = (name or "").strip(), (body or "").strip()
    if not name:
        errors["name"] = ["Give the reply a name."]
    if not body:
        errors["body"] = ["Write the reply."]
    else:
        try:
            unknown = macro_placeholders(body) - set(MACRO_FIELDS)
        except ValueError:
            errors["body"] = ["A { or } has no partner; write {{ or }} for a brace."]
        else:
            if unknown:
                errors["body"] = [
                    f"Unknown placeholder(s): {', '.join(sorted(unknown))}. Use "
                    + ", ".join("{" + f + "}" for f in MACRO_FIELDS)
                    + "."
                ]
    if status and status not in TicketStatus.values or status == TicketStatus.NEW:
        errors["status"] = ["Choose open, pending, on hold, solved or closed (or leave it)."]
    if errors:
        raise ValidationError(errors)
    row = macro or Macro()
    row.name, row.body, row.status, row.is_active = name, body, status, is_active
    with transaction.atomic():
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:
            raise ValidationError({"name": ["A canned reply of that name exists."]}) from None
        access_record(actor=actor, action=Action.UPDATE, client=None, obj=row)
    return row
