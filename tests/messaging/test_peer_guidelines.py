"""Guidelines before the first post (who accepted which version, when; asked again when they
change), the name a member posts under, and bad input refused by field with nothing saved."""

from __future__ import annotations

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from iop.audit.models import AccessLog
from iop.domain import Conflict, NotAllowed
from messaging.models import PeerMember, PeerPost, PeerReport
from messaging.models.peer import DEFAULT_GUIDELINES, POST_MAX
from messaging.services import (
    peer_guidelines_accept,
    peer_member_mute,
    peer_post_create,
    peer_report_create,
    peer_space_update,
)
from tests.conftest import sign_in
from tests.messaging.conftest import join

pytestmark = pytest.mark.django_db


def test_the_default_guidelines_are_in_calm_clinic_language(space):
    assert space.guidelines == DEFAULT_GUIDELINES
    assert "988" in space.guidelines and "Be kind" in space.guidelines


def test_a_client_accepts_the_guidelines_before_their_first_post(space, client_profile):
    page = reverse("messaging:peer_space", args=[space.pk])
    browser = sign_in(client_profile.user)
    shown = browser.get(page).content.decode()
    assert "read and accept the group's guidelines" in shown and 'id="post-form"' not in shown
    # Posting anyway is sent to the guidelines, and nothing is saved.
    response = browser.post(page, {"body": "Hello all"})
    assert response.status_code == 302
    assert response["Location"] == reverse("messaging:peer_guidelines", args=[space.pk])
    with pytest.raises(Conflict):
        peer_post_create(actor=client_profile.user, space=space, body="Hello all")
    assert not PeerPost.objects.exists()

    guidelines = browser.get(reverse("messaging:peer_guidelines", args=[space.pk]))
    assert "Be kind" in guidelines.content.decode()
    moment = timezone.now().replace(microsecond=0)
    with time_machine.travel(moment, tick=False):
        accepted = browser.post(
            reverse("messaging:peer_guidelines", args=[space.pk]),
            {"shown_name": "Casey", "accepted": "on"},
        )
    assert accepted.status_code == 302
    member = PeerMember.objects.get(space=space, user=client_profile.user)
    assert (member.shown_name, member.accepted_version, member.accepted_at) == ("Casey", 1, moment)
    assert AccessLog.objects.filter(
        actor=client_profile.user, object_type="messaging.PeerMember", client=client_profile
    ).exists()
    assert browser.post(page, {"body": "Hello all"}).status_code == 302
    post = PeerPost.objects.get()
    assert post.body == "Hello all" and post.author_client == client_profile
    assert "Casey" in browser.get(page).content.decode()


def test_members_post_under_their_preferred_name(space, client_profile, peer_profile):
    client_profile.user.preferred_name = "Case"
    client_profile.user.save(update_fields=["preferred_name"])
    form = sign_in(client_profile.user).get(reverse("messaging:peer_guidelines", args=[space.pk]))
    assert 'value="Case"' in form.content.decode()
    join(space, client_profile, "Case")
    join(space, peer_profile)
    peer_post_create(actor=client_profile.user, space=space, body="Morning walk done.")
    body = sign_in(peer_profile.user).get(reverse("messaging:peer_space", args=[space.pk]))
    text = body.content.decode()
    assert "Case" in text and "Casey Client" not in text and "client@example.org" not in text


def test_changed_guidelines_are_accepted_again_before_the_next_post(
    members, client_profile, admin_user
):
    peer_post_create(actor=client_profile.user, space=members, body="First")
    peer_space_update(actor=admin_user, space=members, guidelines="Be kind. Be brief.")
    members.refresh_from_db()
    assert members.guidelines_version == 2
    with pytest.raises(Conflict):
        peer_post_create(actor=client_profile.user, space=members, body="Second")
    join(members, client_profile)
    peer_post_create(actor=client_profile.user, space=members, body="Second")
    assert PeerMember.objects.get(user=client_profile.user).accepted_version == 2


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"shown_name": "Casey"}, "accepted"),
        ({"shown_name": "", "accepted": "on"}, "shown_name"),
        ({"shown_name": "x" * 41, "accepted": "on"}, "shown_name"),
        ({"shown_name": "A former member", "accepted": "on"}, "shown_name"),
    ],
)
def test_bad_acceptance_names_its_field_and_saves_nothing(space, client_profile, data, field):
    response = sign_in(client_profile.user).post(
        reverse("messaging:peer_guidelines", args=[space.pk]), data
    )
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not PeerMember.objects.exists()
    with pytest.raises(ValidationError) as error:
        peer_guidelines_accept(
            actor=client_profile.user,
            space=space,
            shown_name=data.get("shown_name", ""),
            accepted=data.get("accepted") == "on",
        )
    assert field in error.value.message_dict


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"body": ""}, "body"),
        ({"body": "   "}, "body"),
        ({"body": "x" * (POST_MAX + 1)}, "body"),
        ({"body": "hi", "parent": "abc"}, "parent"),
        ({"body": "hi", "parent": "999999"}, "parent"),
    ],
)
def test_a_bad_post_names_its_field_and_saves_nothing(members, client_profile, data, field):
    response = sign_in(client_profile.user).post(
        reverse("messaging:peer_space", args=[members.pk]), data
    )
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode() or (
        field == "parent" and "No such post is visible to you." in response.content.decode()
    )
    assert not PeerPost.objects.exists()


def test_a_reply_only_to_a_post_shown_in_the_same_space(
    members, other_space, client_profile, other_client_profile, peer_profile, clinician
):
    join(other_space, other_client_profile)
    elsewhere = peer_post_create(actor=other_client_profile.user, space=other_space, body="Hi")
    with pytest.raises(ValidationError) as error:
        peer_post_create(actor=client_profile.user, space=members, body="Hi", parent=elsewhere)
    assert "parent" in error.value.message_dict
    top = peer_post_create(actor=client_profile.user, space=members, body="Top")
    reply = peer_post_create(actor=peer_profile.user, space=members, body="Reply", parent=top)
    with pytest.raises(ValidationError):  # one level of replies
        peer_post_create(actor=client_profile.user, space=members, body="Deeper", parent=reply)
    # Someone else's parent id through the page: "no such post", nothing saved.
    response = sign_in(client_profile.user).post(
        reverse("messaging:peer_space", args=[members.pk]), {"body": "x", "parent": elsewhere.pk}
    )
    assert response.status_code == 400
    assert PeerPost.objects.filter(space=members).count() == 2


def test_bad_report_and_mute_input_is_refused_by_field(
    members, client_profile, peer_profile, clinician
):
    post = peer_post_create(actor=peer_profile.user, space=members, body="Hello")
    for reason in ("", "  ", "x" * 501):
        with pytest.raises(ValidationError) as error:
            peer_report_create(actor=client_profile.user, post=post, reason=reason)
        assert "reason" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        peer_report_create(actor=peer_profile.user, post=post, reason="mine")
    assert "post" in error.value.message_dict
    browser = sign_in(client_profile.user)
    response = browser.post(
        reverse("messaging:peer_report", args=[post.pk]), {"reason": ""}, follow=True
    )
    assert "Say what worries you about this post." in response.content.decode()
    assert not PeerReport.objects.exists()
    member = PeerMember.objects.get(user=client_profile.user)
    for minutes, reason, field in [
        ("ten", "Please pause", "minutes"),
        (5, "Please pause", "minutes"),
        (60 * 24 * 31, "Please pause", "minutes"),
        (60, "", "reason"),
    ]:
        with pytest.raises(ValidationError) as error:
            peer_member_mute(actor=clinician, member=member, minutes=minutes, reason=reason)
        assert field in error.value.message_dict
    member.refresh_from_db()
    assert member.muted_until is None


def test_staff_and_strangers_cannot_accept_or_post_as_members(
    members, other_client_profile, support_agent
):
    for person in (other_client_profile.user, support_agent):
        with pytest.raises(NotAllowed):
            peer_guidelines_accept(actor=person, space=members, shown_name="X", accepted=True)
        with pytest.raises(NotAllowed):
            peer_post_create(actor=person, space=members, body="Hi")
