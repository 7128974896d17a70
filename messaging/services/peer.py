"""Writes of group peer spaces: enabling a space and its settings, accepting its guidelines,
posting and replying (screened for crisis words like an inbound text: a match is held for a
facilitator and opens a crisis event for the author), moderation (hide with a reason the author
sees, show, pin, mute for a time), members' reports and the tick of their review timers.

Every moderation action writes a row in the space's moderation log and one in the audit log.
Notices to staff go through the outbox as live-feed messages and never carry what was written.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from crisis.selectors import supervisors_of
from crisis.services import crisis_screen_text, crisis_words_in
from iop.accounts.models import CLINICAL_ROLES, ClientProfile, Role, User
from iop.audit.models import Action
from iop.audit.services import access_record
from iop.domain import Conflict, NotAllowed
from iop.notify.models import Channel, Purpose
from iop.notify.services.outbox import message_enqueue_many
from iop.viewer import Actor, person_of
from messaging.models import (
    ModerationAction,
    PeerMember,
    PeerModeration,
    PeerPost,
    PeerReport,
    PeerSpace,
    PostState,
    ReportStage,
    ReportState,
)
from messaging.models.peer import POST_MAX, REASON_MAX, SHOWN_NAME_MAX
from messaging.selectors import (
    is_muted,
    may_moderate,
    must_accept,
    peer_moderator_ids,
    peer_spaces_visible_to,
)
from sessions_app import selectors as sessions

log = logging.getLogger(__name__)

MUTE_MIN_MINUTES = 15
MUTE_MAX_MINUTES = 30 * 24 * 60
TICK_BATCH = 100
HELD_REASON = (
    "Held for a facilitator to read first. Your care team has been told, and someone will be "
    "in touch."
)


# -- who may ------------------------------------------------------------------------------------


def _person(actor: Actor) -> User:
    person = person_of(actor)
    if person is None or not person.is_active:
        raise NotAllowed("Sign in to use your group's space.")
    return person


def _require_moderator(actor: Actor, space: PeerSpace) -> User:
    person = _person(actor)
    if not may_moderate(person, space):
        raise NotAllowed("Only the group's facilitators and supervisors moderate this space.")
    return person


def _require_member_now(person: User, space: PeerSpace) -> ClientProfile:
    """A client enrolled in the group today (and the space enabled), else NotAllowed."""
    if (
        person.role != Role.CLIENT
        or not peer_spaces_visible_to(person).filter(pk=space.pk).exists()
    ):
        raise NotAllowed("This space is for the group's members and facilitators.")
    return ClientProfile.objects.get(user=person)


def _require_space_admin(actor: Actor, program_id: int) -> User:
    person = _person(actor)
    if person.role == Role.ADMIN:
        return person
    if person.role == Role.SUPERVISOR and program_id in set(
        sessions.supervised_program_ids(person)
    ):
        return person
    raise NotAllowed("Only administrators and the program's supervisors set up peer spaces.")


def _text(value: Any, name: str, *, most: int, required: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise ValidationError({name: [required]})
    if len(text) > most:
        raise ValidationError({name: [f"Keep it under {most} characters (this is {len(text)})."]})
    return text


def _logged(
    space: PeerSpace,
    action: str,
    actor: User | None,
    *,
    post: PeerPost | None = None,
    member: User | None = None,
    reason: str = "",
    client: ClientProfile | None = None,
    obj: Any = None,
) -> None:
    """The moderation log's row and the audit row of one moderation action."""
    PeerModeration.objects.create(
        space=space, action=action, actor=actor, post=post, member=member, reason=reason
    )
    access_record(
        actor=actor,
        action=Action.UPDATE,
        client=client,
        obj=obj or post or space,
        detail=f"peer space: {ModerationAction(action).label.lower()}",
    )


# -- the space ----------------------------------------------------------------------------------


def peer_space_enable(
    *,
    actor: Actor,
    group: Any,
    guidelines: str | None = None,
    report_review_minutes: int | None = None,
) -> PeerSpace:
    """Give a group a peer space (or enable its old one again); admins and its program's
    supervisors may."""
    _require_space_admin(actor, group.program_id)
    with transaction.atomic():
        space = PeerSpace.objects.select_for_update().filter(group_id=group.pk).first()
        if space is None:
            space = PeerSpace(group_id=group.pk, program_id=group.program_id)
        space.is_enabled = True
        space.save()
        if guidelines is not None or report_review_minutes is not None:
            space = _settings_set(space, guidelines, report_review_minutes)
        access_record(actor=actor, action=Action.UPDATE, client=None, obj=space, detail="enabled")
    return space


def peer_space_update(
    *,
    actor: Actor,
    space: PeerSpace,
    guidelines: str | None = None,
    report_review_minutes: int | None = None,
    is_enabled: bool | None = None,
) -> PeerSpace:
    """Change a space's guidelines (members accept the new text before they post again), its
    report time limit, or switch it off (it disappears for everyone, posts kept)."""
    _require_space_admin(actor, space.program_id)
    with transaction.atomic():
        space = PeerSpace.objects.select_for_update().get(pk=space.pk)
        space = _settings_set(space, guidelines, report_review_minutes)
        if is_enabled is not None and is_enabled != space.is_enabled:
            space.is_enabled = is_enabled
            space.save(update_fields=["is_enabled", "updated_at"])
        access_record(actor=actor, action=Action.UPDATE, client=None, obj=space, detail="settings")
    return space


def _settings_set(
    space: PeerSpace, guidelines: str | None, report_review_minutes: int | None
) -> PeerSpace:
    fields = ["updated_at"]
    if guidelines is not None:
        text = _text(
            guidelines, "guidelines", most=8000, required="Write the guidelines members accept."
        )
        if text != space.guidelines:
            space.guidelines = text
            space.guidelines_version += 1
            fields += ["guidelines", "guidelines_version"]
    if report_review_minutes is not None:
        if not isinstance(report_review_minutes, int) or not 5 <= report_review_minutes <= 10080:
            raise ValidationError(
                {"report_review_minutes": ["Choose between 5 minutes and 7 days (10080)."]}
            )
        space.report_review_minutes = report_review_minutes
        fields.append("report_review_minutes")
    space.save(update_fields=fields)
    return space


def peer_guidelines_accept(
    *, actor: Actor, space: PeerSpace, shown_name: str, accepted: bool
) -> PeerMember:
    """A member accepts the space's current guidelines (who, when, which version) and says the
    name they post under; asked again whenever the guidelines change."""
    person = _person(actor)
    _require_member_now(person, space)
    errors: dict[str, list[str]] = {}
    if accepted is not True:
        errors["accepted"] = ["Tick the box to say you accept the guidelines."]
    name = shown_name.strip() if isinstance(shown_name, str) else ""
    if not name:
        errors["shown_name"] = ["Write the name your group will see, such as your first name."]
    elif len(name) > SHOWN_NAME_MAX:
        errors["shown_name"] = [f"Keep the name under {SHOWN_NAME_MAX} characters."]
    elif name.casefold() in {"a former member", "a member"} or "facilitator" in name.casefold():
        errors["shown_name"] = ["Choose a name of your own."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        now = timezone.now()
        member, created = PeerMember.objects.select_for_update().get_or_create(
            space=space,
            user=person,
            defaults={
                "shown_name": name,
                "accepted_version": space.guidelines_version,
                "accepted_at": now,
            },
        )
        if not created:
            member.shown_name = name
            member.accepted_version = space.guidelines_version
            member.accepted_at = now
            member.save(update_fields=["shown_name", "accepted_version", "accepted_at"])
        access_record(
            actor=person,
            action=Action.CREATE if created else Action.UPDATE,
            client=ClientProfile.objects.filter(user=person).first(),
            obj=member,
            detail=f"accepted peer space guidelines v{space.guidelines_version}",
        )
    return member


def shown_name_suggested(user: User) -> str:
    """The name offered when a member first accepts: their preferred name, else first name."""
    if user.preferred_name:
        return user.preferred_name[:SHOWN_NAME_MAX]
    first = (user.full_name or "").split()
    return first[0][:SHOWN_NAME_MAX] if first else ""


# -- posting ------------------------------------------------------------------------------------


def peer_post_create(
    *, actor: Actor, space: PeerSpace, body: str, parent: PeerPost | None = None
) -> PeerPost:
    """Post (or reply to a post shown to the group). A client must be a member today, have
    accepted the current guidelines and not be muted; crisis words hold the post for a
    facilitator and open (or join) a crisis event for its author."""
    person = _person(actor)
    client: ClientProfile | None = None
    if person.role == Role.CLIENT:
        client = _require_member_now(person, space)
        member = PeerMember.objects.filter(space=space, user=person).first()
        if must_accept(space, member):
            raise Conflict("Please read and accept the group's guidelines before you post.")
        if member is not None and member.muted_until is not None and is_muted(member):
            until = member.muted_until.astimezone(sessions.zone_of(space.group.program))
            raise NotAllowed(
                f"A facilitator has paused your posting until {until:%a %d %b, %H:%M}. "
                f"Their reason: {member.mute_reason}"
            )
    else:
        _require_moderator(person, space)
    text = _text(body, "body", most=POST_MAX, required="Write something to share.")
    if parent is not None and (
        parent.space_id != space.pk
        or parent.parent_id is not None
        or parent.state != PostState.VISIBLE
    ):
        raise ValidationError({"parent": ["You can reply only to a post shown to the group."]})
    phrase = crisis_words_in(text) if client is not None else None
    with transaction.atomic():
        post = PeerPost.objects.create(
            space=space,
            parent=parent,
            author=person,
            author_client=client,
            body=text,
            state=PostState.HELD if phrase else PostState.VISIBLE,
            state_reason=HELD_REASON if phrase else "",
            state_changed_at=timezone.now() if phrase else None,
        )
        access_record(actor=person, action=Action.CREATE, client=client, obj=post)
        if phrase:
            # The same screen as an inbound text: one crisis event for the author's care team.
            post.crisis_event = crisis_screen_text(
                client=client,
                text=text,
                channel="peer_space",
                link=reverse("messaging_staff:peer_space", args=[space.pk]) + f"#post-{post.pk}",
                link_label=f"Held post in the peer space of {space.group}",
            )
            post.save(update_fields=["crisis_event"])
            _logged(
                space, ModerationAction.HOLD, None, post=post, client=client, reason="crisis words"
            )
            _tell(
                space,
                peer_moderator_ids(space),
                key=f"post:{post.pk}:held",
                text=(
                    f"A post in the peer space of {space.group} is held for you to read: it has "
                    "crisis words. The author's care team has been alerted."
                ),
            )
    return post


# -- moderation ---------------------------------------------------------------------------------


def peer_post_hide(*, actor: Actor, post: PeerPost, reason: str) -> PeerPost:
    """Hide a post from the group; its author sees it with the reason. Open reports of it are
    reviewed by this."""
    person = _require_moderator(actor, post.space)
    why = _text(
        reason, "reason", most=REASON_MAX, required="Say why, in words the author will read."
    )
    with transaction.atomic():
        post = PeerPost.objects.select_for_update().select_related("space__group").get(pk=post.pk)
        if post.state == PostState.HIDDEN:
            raise Conflict("This post is already hidden.")
        _state_set(post, PostState.HIDDEN, why, person)
        post.pinned_at, post.pinned_by = None, None
        post.save(update_fields=["pinned_at", "pinned_by"])
        _reports_close(post, ReportState.HIDDEN, person)
        _logged(
            post.space,
            ModerationAction.HIDE,
            person,
            post=post,
            reason=why,
            client=post.author_client,
        )
    return post


def peer_post_show(*, actor: Actor, post: PeerPost) -> PeerPost:
    """Show a held or hidden post to the group again."""
    person = _require_moderator(actor, post.space)
    with transaction.atomic():
        post = PeerPost.objects.select_for_update().select_related("space__group").get(pk=post.pk)
        if post.state == PostState.VISIBLE:
            raise Conflict("This post is already shown to the group.")
        _state_set(post, PostState.VISIBLE, "", person)
        _logged(post.space, ModerationAction.SHOW, person, post=post, client=post.author_client)
    return post


def _state_set(post: PeerPost, state: str, reason: str, person: User) -> None:
    post.state = state
    post.state_reason = reason
    post.state_changed_by = person
    post.state_changed_at = timezone.now()
    post.save(update_fields=["state", "state_reason", "state_changed_by", "state_changed_at"])


def peer_post_pin(*, actor: Actor, post: PeerPost, pinned: bool) -> PeerPost:
    """Pin a post shown to the group at the top of the space, or unpin it."""
    person = _require_moderator(actor, post.space)
    with transaction.atomic():
        post = PeerPost.objects.select_for_update().select_related("space__group").get(pk=post.pk)
        if pinned and (post.parent_id is not None or post.state != PostState.VISIBLE):
            raise Conflict("Only a post shown to the group (not a reply) can be pinned.")
        if pinned == (post.pinned_at is not None):
            raise Conflict("This post is already pinned." if pinned else "This post is not pinned.")
        post.pinned_at, post.pinned_by = (timezone.now(), person) if pinned else (None, None)
        post.save(update_fields=["pinned_at", "pinned_by"])
        _logged(
            post.space,
            ModerationAction.PIN if pinned else ModerationAction.UNPIN,
            person,
            post=post,
            client=post.author_client,
        )
    return post


def peer_member_mute(*, actor: Actor, member: PeerMember, minutes: Any, reason: str) -> PeerMember:
    """Pause a member's posting and replying for a time (15 minutes to 30 days); they still
    read the space, and see until when and why."""
    person = _require_moderator(actor, member.space)
    try:
        length = int(minutes)
    except (TypeError, ValueError):
        raise ValidationError({"minutes": ["Choose how long, in minutes."]}) from None
    if not MUTE_MIN_MINUTES <= length <= MUTE_MAX_MINUTES:
        raise ValidationError(
            {"minutes": [f"Choose between {MUTE_MIN_MINUTES} minutes and 30 days."]}
        )
    why = _text(
        reason, "reason", most=REASON_MAX, required="Say why, in words the member will read."
    )
    with transaction.atomic():
        member = PeerMember.objects.select_for_update().select_related("space").get(pk=member.pk)
        member.muted_until = timezone.now() + timedelta(minutes=length)
        member.mute_reason = why
        member.muted_by = person
        member.save(update_fields=["muted_until", "mute_reason", "muted_by"])
        _logged(
            member.space,
            ModerationAction.MUTE,
            person,
            member=member.user,
            reason=why,
            client=ClientProfile.objects.filter(user_id=member.user_id).first(),
            obj=member,
        )
    return member


def peer_member_unmute(*, actor: Actor, member: PeerMember) -> PeerMember:
    """Let a paused member post again now."""
    person = _require_moderator(actor, member.space)
    with transaction.atomic():
        member = PeerMember.objects.select_for_update().select_related("space").get(pk=member.pk)
        if not is_muted(member):
            raise Conflict("This member's posting is not paused.")
        member.muted_until = None
        member.save(update_fields=["muted_until"])
        _logged(
            member.space,
            ModerationAction.UNMUTE,
            person,
            member=member.user,
            client=ClientProfile.objects.filter(user_id=member.user_id).first(),
            obj=member,
        )
    return member


# -- reports ------------------------------------------------------------------------------------


def peer_report_create(*, actor: Actor, post: PeerPost, reason: str) -> PeerReport:
    """A member reports a post shown to the group; the facilitators are told at once and have
    the space's time limit to review it (reminded halfway; the supervisors told when overdue)."""
    person = _person(actor)
    space = post.space
    _require_member_now(person, space)
    if post.author_id == person.pk:
        raise ValidationError({"post": ["This is your own post: you cannot report it."]})
    if post.state != PostState.VISIBLE:
        raise ValidationError({"post": ["This post is not shown to the group."]})
    why = _text(reason, "reason", most=REASON_MAX, required="Say what worries you about this post.")
    now = timezone.now()
    limit = timedelta(minutes=space.report_review_minutes)
    try:
        with transaction.atomic():
            report = PeerReport.objects.create(
                post=post,
                reporter=person,
                reason=why,
                created_at=now,
                review_by=now + limit,
                reminder_due_at=now + limit / 2,
            )
            access_record(actor=person, action=Action.CREATE, client=post.author_client, obj=report)
            _tell(
                space,
                peer_moderator_ids(space),
                key=f"report:{report.pk}:new",
                text=(
                    f"A member reported a post in the peer space of {space.group}. "
                    f"Please review it by {_at(space, report.review_by)}."
                ),
            )
    except IntegrityError:
        raise Conflict(
            "You have already reported this post; a facilitator will look at it."
        ) from None
    return report


def peer_report_review(
    *, actor: Actor, report: PeerReport, hide: bool, reason: str = ""
) -> PeerReport:
    """Review a report: keep the post, or hide it with a reason its author sees. Either way
    every open report of the post is reviewed with it."""
    person = _require_moderator(actor, report.post.space)
    if hide:
        peer_post_hide(actor=person, post=report.post, reason=reason)
        report.refresh_from_db()
        return report
    with transaction.atomic():
        locked = (
            PeerReport.objects.select_for_update().select_related("post__space").get(pk=report.pk)
        )
        if locked.state != ReportState.OPEN:
            raise Conflict("This report has already been reviewed.")
        _reports_close(locked.post, ReportState.KEPT, person)
        _logged(
            locked.post.space,
            ModerationAction.REVIEW,
            person,
            post=locked.post,
            reason="kept",
            client=locked.post.author_client,
            obj=locked,
        )
    locked.refresh_from_db()
    return locked


def _reports_close(post: PeerPost, state: str, person: User) -> int:
    return PeerReport.objects.filter(post=post, state=ReportState.OPEN).update(
        state=state, reviewed_by=person, reviewed_at=timezone.now(), reminder_due_at=None
    )


def peer_report_tick(*, now: datetime | None = None, batch: int = TICK_BATCH) -> int:
    """Remind about every report whose timer is due (claimed with SKIP LOCKED, so ticks racing
    each other remind once): halfway, the facilitators; past the limit, the program's
    supervisors and the facilitators. Returns how many reminders went out."""
    fired = 0
    with transaction.atomic():
        at = now or timezone.now()
        due = list(
            PeerReport.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("post__space__group__program")
            .filter(reminder_due_at__lte=at)
            .order_by("reminder_due_at")[:batch]
        )
        for report in due:
            space = report.post.space
            if report.state != ReportState.OPEN:
                report.reminder_due_at = None
                report.save(update_fields=["reminder_due_at"])
                continue
            facilitators = peer_moderator_ids(space)
            if report.stage == ReportStage.NEW and at < report.review_by:
                _tell(
                    space,
                    facilitators,
                    key=f"report:{report.pk}:remind",
                    text=(
                        f"Reminder: a report in the peer space of {space.group} waits for "
                        f"review, due by {_at(space, report.review_by)}."
                    ),
                )
                report.stage = ReportStage.REMINDED
                report.reminder_due_at = report.review_by
            else:
                supervisors = [p.pk for p in supervisors_of(space.program_id)]
                _tell(
                    space,
                    [*facilitators, *supervisors],
                    key=f"report:{report.pk}:overdue",
                    text=(
                        f"Overdue: a report in the peer space of {space.group} was due for "
                        f"review by {_at(space, report.review_by)} and nobody has reviewed it yet."
                    ),
                )
                report.stage = ReportStage.OVERDUE
                report.overdue_at = at
                report.reminder_due_at = None
            report.save(update_fields=["stage", "reminder_due_at", "overdue_at"])
            fired += 1
    return fired


# -- notices ------------------------------------------------------------------------------------


def _at(space: PeerSpace, moment: datetime) -> str:
    """A time as the program's clock shows it."""
    return moment.astimezone(sessions.zone_of(space.group.program)).strftime("%a %d %b %H:%M %Z")


def _tell(space: PeerSpace, user_ids: list[int], *, key: str, text: str) -> None:
    """Live-feed messages through the outbox, one per person and occasion (never the words)."""
    link = reverse("messaging_staff:peer_space", args=[space.pk])
    people = User.objects.filter(pk__in=set(user_ids), is_active=True, role__in=CLINICAL_ROLES)
    specs = [
        {
            "actor": None,
            "channel": Channel.FEED,
            "purpose": Purpose.REMINDER,
            "idempotency_key": f"peer:{key}:feed:{person.pk}",
            "user": person,
            "about": space,
            "body": f"{text} {link}",
        }
        for person in people.order_by("pk")
    ]
    if specs:
        message_enqueue_many(specs)
