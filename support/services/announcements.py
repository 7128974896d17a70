"""Announcements: written by administrators, dismissed by the people who see them, and told
through the outbox to those who asked, a set time ahead (the notice tick claims the timer)."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from iop.accounts.models import STAFF_ROLES, Program, Role
from iop.consents.models import ConsentKind
from iop.consents.selectors import consent_is_active
from iop.domain import NotAllowed, NotFound
from iop.notify.models import Channel, Purpose
from iop.notify.services.outbox import message_enqueue_many
from iop.viewer import Actor, person_of
from support.markdown_text import render
from support.models import (
    Announcement,
    AnnouncementDismissal,
    Audience,
    NoticeChannel,
    Severity,
    UpdateNoticeOptIn,
)
from support.services.help import require_help_admin

MAX_BODY = 4000
MAX_WINDOW = timedelta(days=180)
MAX_HOURS_AHEAD = 168
TICK_BATCH = 10


def announcement_save(
    *,
    actor: Actor,
    title: str,
    shown_from: datetime,
    shown_to: datetime,
    body: str = "",
    severity: str = Severity.INFO,
    audience: str = Audience.BOTH,
    program: Program | None = None,
    happens_at: datetime | None = None,
    tell_people: bool = False,
    tell_hours_ahead: int = 24,
    announcement: Announcement | None = None,
) -> Announcement:
    """Create or change an announcement; "tell people" sets its notice timer (sent once)."""
    person = require_help_admin(actor)
    title = title.strip()
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = ["This cannot be empty."]
    elif len(title) > 160:
        errors["title"] = [f"Keep it to 160 characters (this is {len(title)})."]
    if len(body) > MAX_BODY:
        errors["body"] = [f"Keep it to {MAX_BODY:,} characters (this is {len(body):,})."]
    if severity not in Severity.values:
        errors["severity"] = [f"Choose one of: {', '.join(Severity.values)}."]
    if audience not in Audience.values:
        errors["audience"] = [f"Choose one of: {', '.join(Audience.values)}."]
    if shown_to <= shown_from:
        errors["shown_to"] = ["The banner must end after it starts."]
    elif shown_to - shown_from > MAX_WINDOW:
        errors["shown_to"] = [f"Show a banner for at most {MAX_WINDOW.days} days."]
    if isinstance(tell_hours_ahead, bool) or not 0 <= tell_hours_ahead <= MAX_HOURS_AHEAD:
        errors["tell_hours_ahead"] = [f"From 0 to {MAX_HOURS_AHEAD} hours."]
    now = timezone.now()
    sent = announcement is not None and announcement.notice_sent_at is not None
    if tell_people and not sent and shown_to <= now:
        errors["tell_people"] = ["This announcement's window is over: there is no one to tell."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if announcement is None:
            announcement = Announcement(created_by=person)
        else:
            announcement = Announcement.objects.select_for_update().get(pk=announcement.pk)
        announcement.title, announcement.body = title, body
        announcement.body_html = render(body).html if body.strip() else ""
        announcement.severity, announcement.audience, announcement.program = (
            severity,
            audience,
            program,
        )
        announcement.shown_from, announcement.shown_to = shown_from, shown_to
        announcement.happens_at = happens_at
        announcement.tell_people, announcement.tell_hours_ahead = tell_people, tell_hours_ahead
        if tell_people and announcement.notice_sent_at is None:
            anchor = happens_at or shown_from
            announcement.notice_due_at = anchor - timedelta(hours=tell_hours_ahead)
        else:
            announcement.notice_due_at = None
        announcement.save()
    return announcement


def announcement_delete(*, actor: Actor, announcement: Announcement) -> None:
    """Remove an announcement (its banner goes at once; messages already sent stay sent)."""
    require_help_admin(actor)
    announcement.delete()


def announcement_dismiss(*, actor: Actor, announcement_id: int) -> AnnouncementDismissal:
    """Hide a banner the person can see, for them only; dismissing twice changes nothing."""
    from support.selectors import announcements_visible_to

    person = person_of(actor)
    if person is None:
        raise NotAllowed("Only a signed-in person dismisses a banner.")
    announcement = announcements_visible_to(person).filter(pk=announcement_id).first()
    if announcement is None:
        raise NotFound("No such announcement for you.")
    dismissal, _ = AnnouncementDismissal.objects.get_or_create(
        announcement=announcement, user=person, defaults={"dismissed_at": timezone.now()}
    )
    return dismissal


def update_notices_choose(*, actor: Actor, channel: str) -> UpdateNoticeOptIn | None:
    """Ask to hear about updates by text or email, or ("") stop; texts need a phone on file
    and, for clients, their agreement to texts."""
    person = person_of(actor)
    if person is None:
        raise NotAllowed("Only a signed-in person chooses how to hear about updates.")
    if channel not in ("", *NoticeChannel.values):
        raise ValidationError(
            {"channel": [f"Choose one of: {', '.join(NoticeChannel.values)}, or none."]}
        )
    if channel == NoticeChannel.SMS:
        if not person.phone or person.phone_verified_at is None:
            raise ValidationError(
                {"channel": ["Add and confirm a mobile number in your profile first."]}
            )
        client = getattr(person, "client_profile", None) if person.is_client else None
        if client is not None and not consent_is_active(client, ConsentKind.SMS):
            raise ValidationError(
                {
                    "channel": [
                        "You have not agreed to text messages. Agree under Consents, or "
                        "choose email."
                    ]
                }
            )
    with transaction.atomic():
        if not channel:
            UpdateNoticeOptIn.objects.filter(user=person).delete()
            return None
        opt_in, _ = UpdateNoticeOptIn.objects.update_or_create(
            user=person, defaults={"channel": channel}
        )
    return opt_in


# -- the notice tick ----------------------------------------------------------------------------


def announcement_notice_tick(*, batch: int = TICK_BATCH) -> int:
    """Put due "tell people" notices in the outbox, each announcement once (SKIP LOCKED)."""
    handled = 0
    while True:
        with transaction.atomic():
            now = timezone.now()
            due = list(
                Announcement.objects.select_for_update(skip_locked=True)
                .filter(notice_due_at__lte=now)
                .order_by("notice_due_at", "pk")[:batch]
            )
            for announcement in due:
                _notify(announcement, now)
                handled += 1
        if len(due) < batch:
            return handled


def _recipients(announcement: Announcement) -> QuerySet[UpdateNoticeOptIn]:
    rows = UpdateNoticeOptIn.objects.filter(user__is_active=True).select_related(
        "user", "user__client_profile"
    )
    if announcement.audience == Audience.CLIENTS:
        rows = rows.filter(user__role=Role.CLIENT)
    elif announcement.audience == Audience.STAFF:
        rows = rows.filter(user__role__in=STAFF_ROLES)
    if announcement.program_id is not None:
        rows = rows.filter(
            Q(user__client_profile__program_id=announcement.program_id)
            | Q(user__staff_profile__program_id=announcement.program_id)
        )
    return rows.order_by("user_id")


def _when(moment: datetime, zone_name: str) -> str:
    try:
        zone = zoneinfo.ZoneInfo(zone_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    local = moment.astimezone(zone)
    return f"{local:%A %-d %B}, {local:%-I:%M %p} {local.tzname()}"


def _notify(announcement: Announcement, now: datetime) -> None:
    announcement.notice_due_at = None
    if announcement.shown_to <= now:  # too late to be of use: nobody is told
        announcement.save(update_fields=["notice_due_at"])
        return
    happens = announcement.happens_at
    expires = happens if happens is not None and happens > now else announcement.shown_to
    link = f"{settings.PUBLIC_BASE_URL}{reverse('support:updates')}"
    specs: list[dict[str, Any]] = []
    for opt_in in _recipients(announcement):
        user = opt_in.user
        client = getattr(user, "client_profile", None) if user.role == Role.CLIENT else None
        specs.append(
            {
                "actor": None,
                "channel": Channel.SMS if opt_in.channel == NoticeChannel.SMS else Channel.EMAIL,
                "purpose": Purpose.SUPPORT,
                "idempotency_key": f"support:announcement:{announcement.pk}:{user.pk}",
                "user": user,
                "client": client,
                "about": announcement,
                "subject": f"{settings.CLINIC_NAME}: {announcement.title}",
                "template": "support/messages/announcement.txt",
                "context": {
                    "clinic": settings.CLINIC_NAME,
                    "title": announcement.title,
                    "when": _when(happens, user.time_zone) if happens is not None else "",
                    "link": link,
                },
                "expires_at": expires,
            }
        )
    message_enqueue_many(specs)
    announcement.notice_sent_at, announcement.notice_count = now, len(specs)
    announcement.save(update_fields=["notice_due_at", "notice_sent_at", "notice_count"])
