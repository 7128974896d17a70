"""The messaging part of the demo clinic (called by `manage.py seed_demo`). Safe to run again.

Group peer spaces (seed_peer_spaces): clinician1's group gets a space with a pinned welcome from
its facilitator, a member's post with a reply, and a post against the guidelines (advice about
medication) that another member reported: it waits in the facilitator's report queue, to hide
with a reason its author then sees. client1@demo.harbor is a member and can post.
"""

from __future__ import annotations

from django.db import transaction

from iop.accounts.demo import DemoClinic
from iop.accounts.models import ClientProfile
from messaging import selectors, services
from messaging.models import PeerSpace
from sessions_app import selectors as sessions

WELCOME = (
    "Welcome to our group's space. Share what helped you this week, ask the group for "
    "encouragement, and please keep to the guidelines. I read this space on weekdays."
)
FIRST = "Tonight's session on sleep routines helped. I tried the wind-down list and slept better."
REPLY = "Same here! Putting my phone in the kitchen made a big difference."
AGAINST_GUIDELINES = (
    "If you can't sleep, just take two of your pills instead of one. It works for me."
)
REPORT_REASON = "This is advice about medication."


def seed_peer_spaces(clinic: DemoClinic) -> None:
    facilitator = clinic.staff.get("clinician1")
    admin = clinic.staff.get("admin")
    if facilitator is None or admin is None:
        return
    group = (
        sessions.groups_visible_to(facilitator)
        .filter(program=clinic.program, is_active=True)
        .order_by("pk")
        .first()
    )
    if group is None or PeerSpace.objects.filter(group_id=group.pk).exists():
        return
    members = sorted(sessions.group_members_now(group), key=lambda c: c.pk)
    if len(members) < 3:
        return
    with transaction.atomic():
        space = services.peer_space_enable(actor=admin, group=group)
        welcome = services.peer_post_create(actor=facilitator, space=space, body=WELCOME)
        services.peer_post_pin(actor=facilitator, post=welcome, pinned=True)
        first, second, third = (_joined(space, client) for client in members[:3])
        post = services.peer_post_create(actor=first.user, space=space, body=FIRST)
        services.peer_post_create(actor=second.user, space=space, body=REPLY, parent=post)
        against = services.peer_post_create(actor=third.user, space=space, body=AGAINST_GUIDELINES)
        services.peer_report_create(actor=first.user, post=against, reason=REPORT_REASON)


def _joined(space: PeerSpace, client: ClientProfile) -> ClientProfile:
    if selectors.must_accept(space, selectors.peer_member_of(space, client.user)):
        services.peer_guidelines_accept(
            actor=client.user,
            space=space,
            shown_name=services.shown_name_suggested(client.user),
            accepted=True,
        )
    return client
