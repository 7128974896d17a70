"""Escalation policies (ordered steps, repeated) and the on-call rota."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, RangeOperators
from django.db import models
from django.db.models import F, Func, Q, Value

from iop.accounts.validators import validate_time_zone


class StepTarget(models.TextChoices):
    PRIMARY = "primary", "Primary clinician"
    ON_CALL = "on_call", "Clinician on call now"
    SUPERVISOR = "supervisor", "Supervisors of the client's program"
    USER = "user", "A named person"


class StepChannel(models.TextChoices):
    FEED = "feed", "Live feed"
    SMS = "sms", "Text message"
    VOICE = "voice", "Voice call"


class EscalationPolicy(models.Model):
    """Who is told, how, and how long each waits for an acknowledgement before the next step.

    A policy is copied onto a crisis event when its escalation starts, so editing it never
    changes an escalation already running.
    """

    name = models.CharField(max_length=120)
    program = models.ForeignKey(
        "accounts.Program",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty: the clinic-wide policy for programs without their own.",
    )
    is_default = models.BooleanField(
        default=False, help_text="Used for new crisis events of its program (or clinic-wide)."
    )
    repeat_count = models.PositiveSmallIntegerField(
        default=1,
        help_text="How many times the steps run in full (1 = once) before supervisors are paged.",
    )
    description = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "escalation policies"
        constraints = [
            models.UniqueConstraint(
                fields=["program"],
                condition=Q(is_default=True),
                nulls_distinct=False,
                name="escalation_one_default_per_program",
            ),
            models.CheckConstraint(
                condition=Q(repeat_count__gte=1, repeat_count__lte=10),
                name="escalation_repeat_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class EscalationStep(models.Model):
    policy = models.ForeignKey(EscalationPolicy, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    target = models.CharField(max_length=12, choices=StepTarget.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Only for 'a named person'.",
    )
    channels = ArrayField(models.CharField(max_length=8, choices=StepChannel.choices))
    wait_minutes = models.PositiveIntegerField(
        help_text="Minutes to wait for an acknowledgement before the next step."
    )

    class Meta:
        ordering = ["policy_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "position"], name="escalation_step_once"),
            models.CheckConstraint(
                condition=Q(wait_minutes__gte=0, wait_minutes__lte=1440),
                name="escalation_wait_range",
            ),
            models.CheckConstraint(
                condition=Q(target="user", user__isnull=False)
                | (~Q(target="user") & Q(user__isnull=True)),
                name="escalation_user_iff_named",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.get_target_display()} by {', '.join(self.channels)}"


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = models.DateTimeField()


class Int8Range(Func):
    function = "INT8RANGE"
    output_field = models.BigIntegerField()


class OnCallShift(models.Model):
    """One person on call for a program's rota from `starts_at` to `ends_at` (UTC).

    Shifts of one rota never overlap: the database refuses it with an exclusion constraint.
    (The program is compared as a one-value range, so no btree_gist extension is needed: the
    embedded PostgreSQL `make run` uses does not ship it.)
    """

    program = models.ForeignKey("accounts.Program", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="on_call_shifts"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    time_zone = models.CharField(
        max_length=64,
        validators=[validate_time_zone],
        help_text="The zone the shift is planned in.",
    )
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["program_id", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="shift_ends_after_start"
            ),
            ExclusionConstraint(
                name="shift_no_overlap",
                expressions=[
                    (Int8Range(F("program"), F("program"), Value("[]")), RangeOperators.OVERLAPS),
                    (TsTzRange(F("starts_at"), F("ends_at"), Value("[)")), RangeOperators.OVERLAPS),
                ],
            ),
        ]
        indexes = [models.Index(fields=["program", "ends_at"], name="shift_program_ends")]

    def __str__(self) -> str:
        return (
            f"{self.user} on call {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%Y-%m-%d %H:%M} UTC"
        )
