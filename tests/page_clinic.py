"""A small clinic for the test that walks every page and socket (tests/test_route_personas.py).

tests/api/clinic.py's records for one client, and what the pages name beyond them: an
emergency contact, a follow-up of the crisis, an engagement alert, a text message in the outbox,
a private calendar link, a published guide, and every kind of consent document.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from crisis.models import FollowUp
from iop.accounts.models import ClientProfile, User
from iop.accounts.services import emergency_contact_save
from iop.consents.models import ConsentKind
from iop.notify.models import Channel, Purpose
from iop.notify.services import message_enqueue
from sessions_app.models import AlertReason, EngagementAlert
from sessions_app.services import calendar_feed_regenerate
from support.models import ArticleStatus
from support.services import guide_save
from tests.api.clinic import Clinic, seed_client
from tests.factories import ConsentDocumentFactory


@dataclass
class PageClinic:
    records: Clinic
    clinician_id: int
    contact_id: int
    follow_up_id: int
    alert_id: int
    message_id: int
    ical_token: str
    guide_slug: str
    article_slug: str
    peer: PeerClinic | None = None  # the group's peer space (messaging)


def seed_page_clinic(
    client: ClientProfile, clinician: User, *, admin: User, name: str
) -> PageClinic:
    """One client's records, pages' extras included."""
    for kind in ConsentKind.values:
        ConsentDocumentFactory(kind=kind, version=1)  # get_or_create: once for all clients
    records = seed_client(client, clinician, admin=admin, name=name)
    contact = emergency_contact_save(
        actor=client.user,
        client=client,
        name=f"{name} Contact",
        relationship="sister",
        phone="+14155550123",
    )
    follow_up = FollowUp.objects.create(
        event=records.event,
        client=client,
        label="24 hours",
        assignee=clinician,
        due_at=timezone.now() + timedelta(days=1),
    )
    alert = EngagementAlert.objects.create(
        client=client, session=records.session, reason=AlertReason.CONSECUTIVE_NO_SHOWS
    )
    message = message_enqueue(
        actor=clinician,
        channel=Channel.SMS,
        purpose=Purpose.REMINDER,
        idempotency_key=f"page-clinic-{name}",
        to="+14155550188",
        body=f"{name}: your group starts soon.",
        user=client.user,
        client=client,
    )
    _, token = calendar_feed_regenerate(actor=client.user)
    guide = guide_save(
        actor=admin,
        title=f"{name}: getting started",
        slug=f"{name.lower()}-getting-started",
        article_ids=[records.help_article_id],
        status=ArticleStatus.PUBLISHED,
    )
    peer = seed_peer_space(records.client, clinician, admin=admin, group=records.group)
    return PageClinic(
        records,
        clinician_id=clinician.pk,
        contact_id=contact.pk,
        follow_up_id=follow_up.pk,
        alert_id=alert.pk,
        message_id=message.pk,
        ical_token=token,
        guide_slug=guide.slug,
        article_slug=f"{name.lower()}-no-sound",
        peer=peer,
    )


@dataclass
class PeerClinic:
    space_id: int
    post_id: int
    report_id: int
    member_id: int


def seed_peer_space(client: ClientProfile, facilitator: User, *, admin: User, group) -> PeerClinic:
    """The client's group has a peer space: the client accepted its guidelines and posted; the
    facilitator posted, and the client reported that post."""
    from messaging.services import (
        peer_guidelines_accept,
        peer_post_create,
        peer_report_create,
        peer_space_enable,
    )

    space = peer_space_enable(actor=admin, group=group)
    member = peer_guidelines_accept(
        actor=client.user, space=space, shown_name="Member", accepted=True
    )
    post = peer_post_create(actor=client.user, space=space, body="Hello, group.")
    welcome = peer_post_create(actor=facilitator, space=space, body="Welcome, everyone.")
    report = peer_report_create(actor=client.user, post=welcome, reason="Checking the queue.")
    return PeerClinic(space.pk, post.pk, report.pk, member.pk)
