"""Facilitators moderate: hide a post with a reason its author sees, show it again, pin a post,
pause a member's posting for a time; members report posts into the facilitators' queue. Every
action has its row in the space's moderation log and in the audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from iop.audit.models import AccessLog
from iop.domain import Conflict, NotAllowed
from iop.notify.models import Channel, OutboundMessage
from messaging import selectors
from messaging.models import PeerMember, PeerModeration, PeerReport
from messaging.services import (
    peer_member_mute,
    peer_member_unmute,
    peer_post_create,
    peer_post_hide,
    peer_post_pin,
    peer_post_show,
    peer_report_create,
    peer_report_review,
)
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def audit_details(post_or_member) -> list[str]:
    return list(
        AccessLog.objects.filter(
            object_type=post_or_member._meta.label, object_id=str(post_or_member.pk)
        )
        .order_by("pk")
        .values_list("detail", flat=True)
    )


def test_a_facilitator_hides_a_post_and_its_author_sees_the_reason(
    members, client_profile, peer_profile, clinician
):
    post = peer_post_create(actor=peer_profile.user, space=members, body="Try my pills")
    staff = sign_in(clinician)
    response = staff.post(
        reverse("messaging_staff:peer_hide", args=[post.pk]),
        {"reason": "Please don't give advice about medication."},
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert (post.state, post.state_changed_by) == ("hidden", clinician)
    space_page = reverse("messaging:peer_space", args=[members.pk])
    author = sign_in(peer_profile.user).get(space_page).content.decode()
    assert "Try my pills" in author
    assert "Their reason: Please don&#x27;t give advice about medication." in author
    other = sign_in(client_profile.user).get(space_page).content.decode()
    assert "Try my pills" not in other and "medication" not in other
    log = PeerModeration.objects.get()
    assert (log.action, log.actor, log.post, log.reason) == (
        "hide",
        clinician,
        post,
        "Please don't give advice about medication.",
    )
    assert audit_details(post)[-1] == "peer space: hid a post"
    assert AccessLog.objects.filter(actor=clinician, client=peer_profile).exists()
    with pytest.raises(Conflict):
        peer_post_hide(actor=clinician, post=post, reason="again")
    peer_post_show(actor=clinician, post=post)
    assert "Try my pills" in sign_in(client_profile.user).get(space_page).content.decode()
    assert [m.action for m in PeerModeration.objects.order_by("pk")] == ["hide", "show"]
    assert audit_details(post)[-1] == "peer space: showed a post"


def test_an_empty_hide_reason_is_a_banner_and_nothing_changes(members, peer_profile, clinician):
    post = peer_post_create(actor=peer_profile.user, space=members, body="Hello")
    response = sign_in(clinician).post(
        reverse("messaging_staff:peer_hide", args=[post.pk]), {"reason": ""}, follow=True
    )
    assert "Say why, in words the author will read." in response.content.decode()
    post.refresh_from_db()
    assert post.state == "visible" and not PeerModeration.objects.exists()


def test_only_moderators_of_the_space_moderate(
    members, peer_profile, client_profile, other_clinician, support_agent, other_supervisor
):
    post = peer_post_create(actor=peer_profile.user, space=members, body="Hello")
    for person in (client_profile.user, other_clinician, support_agent, other_supervisor):
        with pytest.raises(NotAllowed):
            peer_post_hide(actor=person, post=post, reason="no")
        with pytest.raises(NotAllowed):
            peer_post_pin(actor=person, post=post, pinned=True)
    assert (
        sign_in(other_clinician)
        .post(reverse("messaging_staff:peer_hide", args=[post.pk]), {"reason": "x"})
        .status_code
        == 404
    )
    assert (
        sign_in(support_agent)
        .post(reverse("messaging_staff:peer_hide", args=[post.pk]), {"reason": "x"})
        .status_code
        == 403
    )
    post.refresh_from_db()
    assert post.state == "visible" and not PeerModeration.objects.exists()


def test_a_pinned_post_comes_first(members, client_profile, peer_profile, supervisor):
    older = peer_post_create(actor=client_profile.user, space=members, body="Older")
    peer_post_create(actor=peer_profile.user, space=members, body="Newer")
    assert [v.post.body for v in selectors.peer_page_for(peer_profile.user, members).posts] == [
        "Newer",
        "Older",
    ]
    peer_post_pin(actor=supervisor, post=older, pinned=True)
    page = selectors.peer_page_for(peer_profile.user, members)
    assert [v.post.body for v in page.posts] == ["Older", "Newer"]
    assert (
        "Pinned by a facilitator"
        in sign_in(peer_profile.user)
        .get(reverse("messaging:peer_space", args=[members.pk]))
        .content.decode()
    )
    with pytest.raises(Conflict):
        peer_post_pin(actor=supervisor, post=older, pinned=True)
    peer_post_pin(actor=supervisor, post=older, pinned=False)
    assert [m.action for m in PeerModeration.objects.order_by("pk")] == ["pin", "unpin"]
    assert audit_details(older)[-2:] == ["peer space: pinned a post", "peer space: unpinned a post"]


def test_a_muted_member_reads_but_cannot_post_until_the_time_is_up(
    members, client_profile, clinician
):
    member = PeerMember.objects.get(user=client_profile.user)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        response = sign_in(clinician).post(
            reverse("messaging_staff:peer_mute", args=[members.pk, member.pk]),
            {"minutes": "60", "reason": "Let's take a short break from posting."},
        )
        assert response.status_code == 302
        member.refresh_from_db()
        assert member.muted_until == start + timedelta(minutes=60)
        page = sign_in(client_profile.user).get(reverse("messaging:peer_space", args=[members.pk]))
        text = page.content.decode()
        assert (
            "Let&#x27;s take a short break from posting." in text and 'id="post-form"' not in text
        )
        with pytest.raises(NotAllowed) as error:
            peer_post_create(actor=client_profile.user, space=members, body="Hi")
        assert "short break" in error.value.message
        clock.move_to(start + timedelta(minutes=61))
        peer_post_create(actor=client_profile.user, space=members, body="Back")
    log = PeerModeration.objects.get()
    assert (log.action, log.member, log.reason) == (
        "mute",
        client_profile.user,
        "Let's take a short break from posting.",
    )
    assert audit_details(member)[-1] == "peer space: paused a member's posting"
    peer_member_mute(actor=clinician, member=member, minutes=60, reason="Again")
    peer_member_unmute(actor=clinician, member=member)
    peer_post_create(actor=client_profile.user, space=members, body="Back again")
    assert [m.action for m in PeerModeration.objects.order_by("pk")] == ["mute", "mute", "unmute"]


def test_a_member_reports_a_post_and_the_facilitators_review_it(
    members, client_profile, peer_profile, clinician, supervisor
):
    post = peer_post_create(actor=peer_profile.user, space=members, body="Take two pills")
    response = sign_in(client_profile.user).post(
        reverse("messaging:peer_report", args=[post.pk]), {"reason": "Medication advice"}
    )
    assert response.status_code == 302
    report = PeerReport.objects.get()
    assert (report.reporter, report.reason, report.state) == (
        client_profile.user,
        "Medication advice",
        "open",
    )
    assert report.review_by == report.created_at + timedelta(minutes=members.report_review_minutes)
    # The facilitator hears at once, through the outbox, without the words.
    told = OutboundMessage.objects.get(
        idempotency_key=f"peer:report:{report.pk}:new:feed:{clinician.pk}"
    )
    assert told.channel == Channel.FEED and "reported a post" in told.body
    assert "pills" not in told.body and "Medication" not in told.body
    assert not OutboundMessage.objects.filter(user=supervisor).exists()
    # Reporting again while it waits: refused, one report.
    again = sign_in(client_profile.user).post(
        reverse("messaging:peer_report", args=[post.pk]), {"reason": "again"}, follow=True
    )
    assert "already reported" in again.content.decode()
    assert PeerReport.objects.count() == 1
    staff_page = sign_in(clinician).get(reverse("messaging_staff:peer_space", args=[members.pk]))
    assert "Medication advice" in staff_page.content.decode()
    # Reviewed: hidden with a reason the author sees; the report leaves the queue.
    sign_in(clinician).post(
        reverse("messaging_staff:peer_review", args=[report.pk]),
        {"outcome": "hide", "reason": "Medication questions are for your prescriber."},
    )
    report.refresh_from_db()
    post.refresh_from_db()
    assert (report.state, report.reviewed_by, report.reminder_due_at) == ("hidden", clinician, None)
    assert post.state == "hidden" and post.state_reason.startswith("Medication questions")
    assert selectors.peer_reports_open_in(clinician, members) == []


def test_keeping_a_reported_post_reviews_every_open_report_of_it(
    members, client_profile, peer_profile, clinician, program
):
    from datetime import date

    from sessions_app.models import Enrolment
    from tests.factories import ClientProfileFactory, UserFactory
    from tests.messaging.conftest import join

    third = ClientProfileFactory(user=UserFactory(full_name="Robin Third"), program=program)
    Enrolment.objects.create(group=members.group, client=third, starts_on=date(2020, 1, 1))
    join(members, third)
    post = peer_post_create(actor=peer_profile.user, space=members, body="Hello")
    first = peer_report_create(actor=client_profile.user, post=post, reason="Unkind")
    peer_report_create(actor=third.user, post=post, reason="Unkind too")
    peer_report_review(actor=clinician, report=first, hide=False)
    assert set(PeerReport.objects.values_list("state", flat=True)) == {"kept"}
    post.refresh_from_db()
    assert post.state == "visible"
    assert PeerModeration.objects.get().action == "review"
    assert audit_details(first)[-1] == "peer space: reviewed a report"
    with pytest.raises(Conflict):
        peer_report_review(actor=clinician, report=first, hide=False)


def test_staff_posts_say_who_wrote_them_and_in_what_role(members, clinician, supervisor):
    peer_post_create(actor=clinician, space=members, body="Welcome, everyone.")
    peer_post_create(actor=supervisor, space=members, body="Hello from the program.")
    labels = {
        v.post.body: v.author_label for v in selectors.peer_page_for(clinician, members).posts
    }
    assert labels == {
        "Welcome, everyone.": f"{clinician.display_name} (facilitator)",
        "Hello from the program.": f"{supervisor.display_name} (clinic staff)",
    }
