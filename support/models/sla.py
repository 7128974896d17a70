"""The support calendar (business hours, holidays, closures), SLA policies per priority, and
each SLA warning or breach that fired."""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from iop.accounts.validators import validate_time_zone
from support.sla_clock import Mark, Target


class TicketPriority(models.TextChoices):
    URGENT = "urgent", "Urgent"
    HIGH = "high", "High"
    NORMAL = "normal", "Normal"
    LOW = "low", "Low"


class SupportCalendar(models.Model):
    """When the support desk works: weekly windows in its own time zone, public holidays of a
    country (the `holidays` package) and the clinic's own closures. SLA clocks run only then."""

    name = models.CharField(max_length=120, unique=True)
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    holiday_country = models.CharField(
        max_length=3,
        blank=True,
        help_text="ISO country code whose public holidays close the desk, e.g. US; empty: none.",
    )
    holiday_subdivision = models.CharField(
        max_length=10, blank=True, help_text="State or province code, e.g. NY; empty: national."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.time_zone})"


class BusinessHours(models.Model):
    """One open window of one weekday; a day may have several (a lunch break is two)."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    calendar = models.ForeignKey(SupportCalendar, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField(help_text="00:00 means midnight at the end of the day.")

    class Meta:
        ordering = ["calendar_id", "weekday", "opens"]
        verbose_name_plural = "business hours"
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="support_hours_weekday"
            ),
            models.CheckConstraint(
                condition=Q(closes__gt=models.F("opens")) | Q(closes=time(0)),
                name="support_hours_close_after_open",
            ),
            models.UniqueConstraint(
                fields=["calendar", "weekday", "opens"], name="support_hours_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class Closure(models.Model):
    """Days the clinic's support desk is closed beyond public holidays (inclusive range)."""

    calendar = models.ForeignKey(SupportCalendar, on_delete=models.CASCADE, related_name="closures")
    name = models.CharField(max_length=120)
    starts_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        ordering = ["calendar_id", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="support_closure_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.starts_on}–{self.ends_on})"


class SlaPolicy(models.Model):
    """Targets in business minutes for tickets of one priority, counted in `calendar`.

    A ticket copies its policy's targets when the policy is applied (opening, a new priority);
    saving a policy applies it again to its open tickets, keeping the time they have spent.
    """

    name = models.CharField(max_length=120)
    priority = models.CharField(max_length=8, choices=TicketPriority.choices)
    calendar = models.ForeignKey(SupportCalendar, on_delete=models.PROTECT, related_name="+")
    first_response_minutes = models.PositiveIntegerField()
    next_reply_minutes = models.PositiveIntegerField()
    resolution_minutes = models.PositiveIntegerField()
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["priority", "name"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"
        constraints = [
            models.UniqueConstraint(
                fields=["priority"], condition=Q(is_active=True), name="sla_one_active_per_priority"
            ),
            models.CheckConstraint(
                condition=Q(
                    first_response_minutes__gte=1,
                    next_reply_minutes__gte=1,
                    resolution_minutes__gte=1,
                ),
                name="sla_targets_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_priority_display()})"


class SlaEvent(models.Model):
    """A warning (80%) or breach of one target of one ticket: unique per target, kind and
    cycle, so however many ticks race, each fires once."""

    ticket = models.ForeignKey(
        "support.Ticket", on_delete=models.CASCADE, related_name="sla_events"
    )
    target = models.CharField(max_length=16, choices=Target.choices)
    kind = models.CharField(max_length=8, choices=Mark.choices)
    cycle = models.PositiveIntegerField(default=0)
    due_at = models.DateTimeField(null=True, blank=True)
    fired_at = models.DateTimeField()
    tier_before = models.PositiveSmallIntegerField()
    tier_after = models.PositiveSmallIntegerField()
    notified_user_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["ticket_id", "fired_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "target", "kind", "cycle"], name="sla_event_fires_once"
            )
        ]
        indexes = [models.Index(fields=["kind", "fired_at"], name="sla_event_kind_fired")]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.target} {self.kind} ({self.cycle})"
