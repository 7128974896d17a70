"""Peer spaces: one per therapy group that has one, its members' acceptance of the guidelines,
posts and replies (held when the crisis screen matches, hidden or pinned by facilitators),
members' reports with their review timer, and the moderation log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from iop.encryption import EncryptedTextField

POST_MAX = 4000
REASON_MAX = 500
SHOWN_NAME_MAX = 40

DEFAULT_GUIDELINES = """\
This space is for the members of your group and its facilitators, between sessions.

- Be kind. Speak from your own experience, and listen without judging.
- What others share here stays here, as it does in group.
- Share only what you are comfortable sharing. You may use the name you prefer.
- Please do not give advice about medication, or describe self-harm or ways of hurting yourself.
- This space is not watched all the time. If you are not safe, press "I need help now", call or \
text 988, or call the clinic's 24/7 line.
- Facilitators may hide a post or pause someone's posting to keep the space safe. They will say \
why."""


class PeerSpace(models.Model):
    """A group's moderated space between sessions; admins enable it and edit its guidelines."""

    group = models.OneToOneField("sessions_app.Group", on_delete=models.PROTECT, related_name="+")
    program = models.ForeignKey("accounts.Program", on_delete=models.PROTECT, related_name="+")
    is_enabled = models.BooleanField(default=True)
    guidelines = models.TextField(
        default=DEFAULT_GUIDELINES,
        help_text="Each member accepts these before their first post; changing them asks again.",
    )
    guidelines_version = models.PositiveIntegerField(default=1)
    report_review_minutes = models.PositiveIntegerField(
        default=240,
        help_text="A member's report should be reviewed within this many minutes; halfway the "
        "facilitators are reminded, and when it is overdue the program's supervisors are told.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["group_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(report_review_minutes__gte=5), name="peer_review_at_least_5_minutes"
            )
        ]

    def __str__(self) -> str:
        return f"Peer space of {self.group}"


class PeerMember(models.Model):
    """A person's standing in one space: the guidelines they accepted (who, when, which
    version), the name they post under, and a mute while it lasts. Kept when they leave."""

    space = models.ForeignKey(PeerSpace, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    shown_name = models.CharField(max_length=SHOWN_NAME_MAX)
    accepted_version = models.PositiveIntegerField()
    accepted_at = models.DateTimeField()
    muted_until = models.DateTimeField(null=True, blank=True)
    mute_reason = models.CharField(max_length=REASON_MAX, blank=True)
    muted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["space_id", "shown_name"]
        constraints = [models.UniqueConstraint(fields=["space", "user"], name="peer_member_once")]

    def __str__(self) -> str:
        return f"{self.shown_name} in {self.space}"


class PostState(models.TextChoices):
    VISIBLE = "visible", "Shown to the group"
    HELD = "held", "Held for a facilitator"
    HIDDEN = "hidden", "Hidden by a facilitator"


class PeerPost(models.Model):
    """A post, or a reply to one (one level deep). A held post waits for a facilitator; a hidden
    one is shown only to its author, with the facilitator's reason."""

    space = models.ForeignKey(PeerSpace, on_delete=models.CASCADE, related_name="posts")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_client = models.ForeignKey(
        "accounts.ClientProfile", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )  # the client who wrote it (empty for a facilitator's post)
    body = EncryptedTextField(max_length=POST_MAX)
    state = models.CharField(max_length=8, choices=PostState.choices, default=PostState.VISIBLE)
    state_reason = models.CharField(max_length=REASON_MAX, blank=True)
    state_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state_changed_at = models.DateTimeField(null=True, blank=True)
    crisis_event = models.ForeignKey(
        "crisis.CrisisEvent", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    pinned_at = models.DateTimeField(null=True, blank=True)
    pinned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["space", "parent", "created_at"], name="peer_post_thread"),
            models.Index(
                fields=["space", "created_at"],
                condition=Q(state="held"),
                name="peer_post_held",
            ),
        ]

    def __str__(self) -> str:
        return f"Post #{self.pk} in {self.space}"


class ReportState(models.TextChoices):
    OPEN = "open", "Waiting for review"
    KEPT = "kept", "Reviewed: post kept"
    HIDDEN = "hidden", "Reviewed: post hidden"


class ReportStage(models.IntegerChoices):
    NEW = 0, "Facilitators told"
    REMINDED = 1, "Facilitators reminded"
    OVERDUE = 2, "Overdue: supervisors told"


class PeerReport(models.Model):
    """A member's report of a post; facilitators review it within the space's time limit.

    `reminder_due_at` is the timer (DESIGN invariant 3): the tick claims due rows through the
    partial index with SKIP LOCKED, reminds the facilitators halfway, tells the supervisors when
    the limit passes, and clears it; reviewing the report clears it too."""

    post = models.ForeignKey(PeerPost, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = EncryptedTextField(max_length=REASON_MAX)
    state = models.CharField(max_length=8, choices=ReportState.choices, default=ReportState.OPEN)
    created_at = models.DateTimeField()
    review_by = models.DateTimeField()
    stage = models.PositiveSmallIntegerField(choices=ReportStage.choices, default=ReportStage.NEW)
    reminder_due_at = models.DateTimeField(null=True, blank=True)
    overdue_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["review_by", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "reporter"],
                condition=Q(state="open"),
                name="peer_report_open_once",
            )
        ]
        indexes = [
            models.Index(
                fields=["reminder_due_at"],
                condition=Q(reminder_due_at__isnull=False),
                name="peer_report_due",
            )
        ]

    def __str__(self) -> str:
        return f"Report #{self.pk} of post #{self.post_id}"


class ModerationAction(models.TextChoices):
    HIDE = "hide", "Hid a post"
    SHOW = "show", "Showed a post"
    PIN = "pin", "Pinned a post"
    UNPIN = "unpin", "Unpinned a post"
    MUTE = "mute", "Paused a member's posting"
    UNMUTE = "unmute", "Let a member post again"
    REVIEW = "review", "Reviewed a report"
    HOLD = "hold", "Held a post (crisis words)"


class PeerModeration(models.Model):
    """The space's moderation log, shown to its facilitators (the audit log has each too)."""

    space = models.ForeignKey(PeerSpace, on_delete=models.CASCADE, related_name="moderation")
    action = models.CharField(max_length=8, choices=ModerationAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    post = models.ForeignKey(
        PeerPost, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=REASON_MAX, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.at:%Y-%m-%d %H:%M})"
