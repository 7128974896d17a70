"""A program's settings for the clinical record: plan reviews, note format, weekly hours."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q


class NoteFormat(models.TextChoices):
    DAP = "dap", "DAP (data, assessment, plan)"
    SOAP = "soap", "SOAP (subjective, objective, assessment, plan)"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class RecordSettings(models.Model):
    """One program's rules for its clinical record; a program without a row uses the defaults."""

    program = models.OneToOneField(
        "accounts.Program", on_delete=models.CASCADE, related_name="record_settings"
    )
    plan_review_days = models.PositiveSmallIntegerField(
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="A treatment plan is reviewed this many days after it is signed.",
    )
    note_format = models.CharField(max_length=8, choices=NoteFormat.choices, default=NoteFormat.DAP)
    clients_see_signed_notes = models.BooleanField(
        default=True,
        help_text="Clients may read their own signed individual notes (never group summaries).",
    )
    weekly_minimum_hours = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        default=Decimal("9.0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("80"))],
        help_text="Treatment hours a client must attend each week for the level of care to hold.",
    )
    weekly_maximum_hours = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("80"))],
        help_text="Empty: no maximum.",
    )
    engagement_check_weekday = models.PositiveSmallIntegerField(
        choices=Weekday.choices,
        default=Weekday.WEDNESDAY,
        help_text="From this day of the week (program time), a client below the minimum "
        "raises an engagement alert.",
    )

    class Meta:
        verbose_name_plural = "record settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(weekly_maximum_hours__isnull=True)
                | Q(weekly_maximum_hours__gte=F("weekly_minimum_hours")),
                name="record_settings_maximum_above_minimum",
            )
        ]

    def __str__(self) -> str:
        return f"Record settings of {self.program}"
