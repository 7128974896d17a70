"""Reads of group peer spaces, always given the viewer.

Who sees a space (enabled ones only):
  client       the spaces of the groups they are enrolled in today; leaving the group ends it
               at once (nothing is cached: every request asks sessions who is in the group)
  clinician    the spaces of the groups they facilitate
  supervisor   the spaces of their program's groups (an overdue report comes to them)
  admin        every space
  support, API keys, visitors: none
Clinical staff who see a space moderate it. Members see the posts shown to the group and
their own (a held or hidden one with its reason); moderators see every post.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from iop.accounts.models import CLINICAL_ROLES, Role, User
from iop.audit.services import access_record_list
from iop.viewer import Viewer, person_of
from messaging.models import (
    PeerMember,
    PeerModeration,
    PeerPost,
    PeerReport,
    PeerSpace,
    PostState,
    ReportState,
)
from sessions_app import selectors as sessions

FORMER_MEMBER = "A former member"
POSTS_SHOWN = 200  # the newest posts on a page (a group's space is small; older ones stay)


def _person(viewer: Viewer | None) -> User | None:
    person = person_of(viewer)
    return person if person is not None and person.is_active else None


def peer_spaces_visible_to(viewer: Viewer) -> QuerySet[PeerSpace]:
    base = PeerSpace.objects.filter(is_enabled=True).select_related("group__program")
    person = _person(viewer)
    if person is None:
        return base.none()
    if person.role == Role.CLIENT:
        return base.filter(group_id__in=[g.pk for g in sessions.groups_of_member_now(person)])
    if person.role in CLINICAL_ROLES:
        return base.filter(group_id__in=sessions.groups_visible_to(person).values("pk"))
    return base.none()


def peer_space_get_for(viewer: Viewer, space_id: int) -> PeerSpace:
    """One space the viewer may see (else PeerSpace.DoesNotExist)."""
    return peer_spaces_visible_to(viewer).get(pk=space_id)


def may_moderate(viewer: Viewer, space: PeerSpace) -> bool:
    """Clinical staff who see the space moderate it."""
    person = _person(viewer)
    return (
        person is not None
        and person.role in CLINICAL_ROLES
        and peer_spaces_visible_to(person).filter(pk=space.pk).exists()
    )


def peer_member_of(space: PeerSpace, user: User) -> PeerMember | None:
    return PeerMember.objects.filter(space=space, user=user).first()


def must_accept(space: PeerSpace, member: PeerMember | None) -> bool:
    """Whether the member has yet to accept the space's current guidelines."""
    return member is None or member.accepted_version != space.guidelines_version


def is_muted(member: PeerMember | None, *, at: datetime | None = None) -> bool:
    return bool(member and member.muted_until and member.muted_until > (at or timezone.now()))


def peer_post_get_for(viewer: Viewer, post_id: int) -> PeerPost:
    """One post the viewer may see: in a space they see, and shown to the group, their own, or
    any post for a moderator (else PeerPost.DoesNotExist)."""
    post = (
        PeerPost.objects.select_related("space__group__program", "author", "parent")
        .filter(pk=post_id, space__in=peer_spaces_visible_to(viewer))
        .first()
    )
    if post is None:
        raise PeerPost.DoesNotExist("No such post is visible to you.")
    person = _person(viewer)
    if person is not None and person.role in CLINICAL_ROLES:
        return post
    if post.state != PostState.VISIBLE and post.author_id != getattr(person, "pk", None):
        raise PeerPost.DoesNotExist("No such post is visible to you.")
    return post


def peer_report_get_for(viewer: Viewer, report_id: int) -> PeerReport:
    """A report in a space the viewer moderates (else PeerReport.DoesNotExist)."""
    person = _person(viewer)
    if person is None or person.role not in CLINICAL_ROLES:
        raise PeerReport.DoesNotExist("No such report is visible to you.")
    return (
        PeerReport.objects.select_related("post__space__group__program", "post__author_client")
        .filter(post__space__in=peer_spaces_visible_to(person))
        .get(pk=report_id)
    )


def peer_member_get_for(viewer: Viewer, space: PeerSpace, member_id: int) -> PeerMember:
    """A member of a space the viewer moderates (else PeerMember.DoesNotExist)."""
    if not may_moderate(viewer, space):
        raise PeerMember.DoesNotExist("No such member is visible to you.")
    return PeerMember.objects.select_related("user").get(pk=member_id, space=space)


# -- the pages --------------------------------------------------------------------------------


@dataclass
class PostView:
    post: PeerPost
    author_label: str
    real_name: str  # who wrote it, for moderators only ("" for members)
    mine: bool
    replies: list[PostView] = field(default_factory=list)
    open_reports: int = 0


@dataclass
class PeerPage:
    space: PeerSpace
    posts: list[PostView]
    moderator: bool
    member: PeerMember | None = None
    must_accept: bool = False
    muted_until: datetime | None = None
    held_own: bool = False  # the viewer has a post held for a facilitator: show the help panel


def _labels(space: PeerSpace, members: list[int]) -> dict[int, str]:
    names = dict(PeerMember.objects.filter(space=space).values_list("user_id", "shown_name"))
    return {uid: names.get(uid) or "A member" for uid in members}


def peer_page_for(viewer: Viewer, space: PeerSpace) -> PeerPage:
    """The space's posts for the viewer (already scoped to `space`), pinned first, then newest;
    replies oldest first. Audited: one row per client whose words are shown."""
    person = _person(viewer)
    moderator = person is not None and person.role in CLINICAL_ROLES
    current = sessions.group_member_user_ids_now(space.group)
    rows = PeerPost.objects.filter(space=space).select_related(
        "author", "author_client", "state_changed_by"
    )
    if not moderator:
        rows = rows.filter(Q(state=PostState.VISIBLE) | Q(author=person))
    if moderator:
        rows = rows.annotate(
            open_reports=Count("reports", filter=Q(reports__state=ReportState.OPEN))
        )
    posts = list(rows.order_by("-created_at", "-id")[: POSTS_SHOWN * 3])
    labels = _labels(space, sorted(current))
    facilitators = set(sessions.group_facilitator_ids(space.group))

    def view(post: PeerPost) -> PostView:
        if post.author_client_id is None:
            role = "facilitator" if post.author_id in facilitators else "clinic staff"
            label = f"{post.author.display_name} ({role})"
        elif post.author_id not in current:
            label = FORMER_MEMBER
        else:
            label = labels.get(post.author_id, "A member")
        return PostView(
            post=post,
            author_label=label,
            # A moderator also sees who is behind a member's shown name (a staff post names them).
            real_name=post.author.display_name
            if moderator and post.author_client_id is not None
            else "",
            mine=person is not None and post.author_id == person.pk,
            open_reports=getattr(post, "open_reports", 0),
        )

    tops = {p.pk: view(p) for p in posts if p.parent_id is None}
    for post in sorted((p for p in posts if p.parent_id is not None), key=lambda p: p.created_at):
        parent = tops.get(post.parent_id)  # type: ignore[arg-type]
        if parent is not None:
            parent.replies.append(view(post))
    ordered = sorted(
        tops.values(),
        key=lambda v: (v.post.pinned_at is None, -(v.post.created_at.timestamp())),
    )[:POSTS_SHOWN]
    shown_clients = {
        v.post.author_client
        for top in ordered
        for v in (top, *top.replies)
        if v.post.author_client is not None
    }
    access_record_list(
        actor=viewer,
        clients=sorted(shown_clients, key=lambda c: c.pk),
        object_type="messaging.PeerPost",
    )
    member = peer_member_of(space, person) if person is not None and not moderator else None
    return PeerPage(
        space=space,
        posts=ordered,
        moderator=moderator,
        member=member,
        must_accept=not moderator and must_accept(space, member),
        muted_until=member.muted_until if is_muted(member) and member else None,
        held_own=any(
            p.state == PostState.HELD and p.author_id == getattr(person, "pk", 0) for p in posts
        ),
    )


@dataclass
class SpaceRow:
    space: PeerSpace
    held: int
    open_reports: int
    overdue_reports: int


def peer_spaces_overview_for(viewer: Viewer) -> list[SpaceRow]:
    """The spaces the viewer moderates, with what waits for them."""
    person = _person(viewer)
    if person is None or person.role not in CLINICAL_ROLES:
        return []
    now = timezone.now()
    spaces = peer_spaces_visible_to(person).annotate(
        held=Count("posts", filter=Q(posts__state=PostState.HELD), distinct=True),
        open_reports=Count(
            "posts__reports", filter=Q(posts__reports__state=ReportState.OPEN), distinct=True
        ),
        overdue_reports=Count(
            "posts__reports",
            filter=Q(posts__reports__state=ReportState.OPEN, posts__reports__review_by__lte=now),
            distinct=True,
        ),
    )
    return [
        SpaceRow(s, s.held, s.open_reports, s.overdue_reports)
        for s in spaces.order_by("group__name", "pk")
    ]


def peer_reports_open_in(viewer: Viewer, space: PeerSpace) -> list[PeerReport]:
    """The space's reports waiting for review, the soonest due first (for its moderators)."""
    if not may_moderate(viewer, space):
        return []
    return list(
        PeerReport.objects.filter(post__space=space, state=ReportState.OPEN)
        .select_related("post__author", "reporter")
        .order_by("review_by", "pk")
    )


def peer_members_of(viewer: Viewer, space: PeerSpace) -> list[PeerMember]:
    """Everyone who accepted the space's guidelines, for its moderators."""
    if not may_moderate(viewer, space):
        return []
    return list(PeerMember.objects.filter(space=space).select_related("user", "muted_by"))


def peer_moderation_log(
    viewer: Viewer, space: PeerSpace, *, limit: int = 50
) -> list[PeerModeration]:
    if not may_moderate(viewer, space):
        return []
    return list(
        PeerModeration.objects.filter(space=space).select_related("actor", "member", "post")[:limit]
    )


def peer_moderator_ids(space: PeerSpace) -> list[int]:
    """Who hears of what waits in the space: the group's active facilitators."""
    ids = sessions.group_facilitator_ids(space.group)
    return list(User.objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))
