"""Reads of announcements, given the viewer: those in their window for the viewer's audience
and program (an API key: its program's), the banners a person has not dismissed, and how they
chose to hear about updates."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from iop.accounts.models import Role
from iop.api.models import ApiKey
from iop.viewer import Viewer, person_of
from support.models import (
    Announcement,
    AnnouncementDismissal,
    Audience,
    Severity,
    UpdateNoticeOptIn,
)

MAX_BANNERS = 3


def _program_id_of(viewer: Viewer) -> int | None:
    if isinstance(viewer, ApiKey):
        return viewer.program_id
    person = person_of(viewer)
    if person is None:
        return None
    profile = getattr(person, "client_profile" if person.is_client else "staff_profile", None)
    return profile.program_id if profile is not None else None


def announcements_visible_to(
    viewer: Viewer, *, at: datetime | None = None
) -> QuerySet[Announcement]:
    """In their window now (or at `at`): clients see those for clients, staff those for staff
    (administrators every program's), an API key its program's; each also the clinic-wide ones."""
    at = at or timezone.now()
    rows = Announcement.objects.filter(shown_from__lte=at, shown_to__gt=at).select_related(
        "program"
    )
    if isinstance(viewer, ApiKey):
        return rows.filter(Q(program__isnull=True) | Q(program_id=viewer.program_id))
    person = person_of(viewer)
    if person is None or not person.is_active:
        return rows.none()
    if person.is_client:
        rows = rows.filter(audience__in=(Audience.CLIENTS, Audience.BOTH))
    else:
        rows = rows.filter(audience__in=(Audience.STAFF, Audience.BOTH))
        if person.role == Role.ADMIN or person.is_superuser:
            return rows
    return rows.filter(Q(program__isnull=True) | Q(program_id=_program_id_of(person)))


def announcement_get_for(viewer: Viewer, announcement_id: int) -> Announcement:
    """One announcement the viewer may see now (else Announcement.DoesNotExist)."""
    return announcements_visible_to(viewer).get(pk=announcement_id)


def banners_for(viewer: Viewer) -> list[Announcement]:
    """The announcements to show as banners: visible now and not dismissed by this person."""
    person = person_of(viewer)
    if person is None:
        return []
    dismissed = AnnouncementDismissal.objects.filter(user=person).values("announcement_id")
    weight = Case(
        When(severity=Severity.URGENT, then=Value(0)),
        When(severity=Severity.MAINTENANCE, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return list(
        announcements_visible_to(person)
        .exclude(pk__in=dismissed)
        .order_by(weight, "shown_from", "pk")[:MAX_BANNERS]
    )


def dismissed_ids_of(viewer: Viewer, announcement_ids: list[int]) -> set[int]:
    person = person_of(viewer)
    if person is None or not announcement_ids:
        return set()
    return set(
        AnnouncementDismissal.objects.filter(
            user=person, announcement_id__in=announcement_ids
        ).values_list("announcement_id", flat=True)
    )


def update_notice_choice_of(viewer: Viewer) -> str:
    """How the person asked to hear about updates: "sms", "email" or "" (not at all)."""
    person = person_of(viewer)
    if person is None:
        return ""
    found = UpdateNoticeOptIn.objects.filter(user=person).values_list("channel", flat=True).first()
    return found or ""
