"""Who sees a group's peer space and its posts, for every persona: members today and the
group's facilitators (and its program's supervisors and admins, who moderate); a client of
another group, a former member, another caseload's clinician and support agents see nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from iop.accounts.models import ClientProfile
from iop.audit.models import AccessLog
from messaging import selectors
from messaging.models import PeerPost, PeerSpace
from messaging.services import peer_post_create, peer_post_hide, peer_space_update
from sessions_app.models import Enrolment
from sessions_app.selectors import group_today
from sessions_app.services import enrolment_end
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

LOGIN = "login"


def status(response) -> int | str:
    if response.status_code == 302 and response["Location"].startswith(reverse("accounts:login")):
        return LOGIN
    return response.status_code


@pytest.fixture
def post(members, client_profile) -> PeerPost:
    return peer_post_create(actor=client_profile.user, space=members, body="Slept well today.")


def test_each_persona_gets_the_space_page_or_nothing(
    members,
    post,
    client_profile,
    peer_profile,
    other_client_profile,
    far_client_profile,
    clinician,
    other_clinician,
    supervisor,
    other_supervisor,
    support_agent,
    admin_user,
):
    from django.test import Client

    portal = reverse("messaging:peer_space", args=[members.pk])
    staff = reverse("messaging_staff:peer_space", args=[members.pk])
    expected = {
        # person: (portal page, staff page)
        "client": (client_profile.user, 200, 403),
        "peer": (peer_profile.user, 200, 403),
        "other client": (other_client_profile.user, 404, 403),
        "far client": (far_client_profile.user, 404, 403),
        "facilitator": (clinician, 403, 200),
        "other clinician": (other_clinician, 403, 404),
        "supervisor": (supervisor, 403, 200),
        "other supervisor": (other_supervisor, 403, 404),
        "support agent": (support_agent, 403, 403),
        "admin": (admin_user, 403, 200),
    }
    got = {}
    for name, (user, _, _) in expected.items():
        browser = sign_in(user)
        got[name] = (user, status(browser.get(portal)), status(browser.get(staff)))
    assert got == expected
    anonymous = Client()
    assert status(anonymous.get(portal)) == LOGIN and status(anonymous.get(staff)) == LOGIN
    # The words reach only those who may read them.
    for user in (client_profile.user, peer_profile.user):
        assert "Slept well today." in sign_in(user).get(portal).content.decode()
    for user in (clinician, supervisor, admin_user):
        assert "Slept well today." in sign_in(user).get(staff).content.decode()


def test_selectors_give_support_agents_api_keys_and_strangers_nothing(
    members, post, support_agent, other_client_profile, other_clinician, make_key
):
    for viewer in (support_agent, other_client_profile.user, other_clinician, make_key()[0]):
        assert not selectors.peer_spaces_visible_to(viewer).exists()
        with pytest.raises(PeerPost.DoesNotExist):
            selectors.peer_post_get_for(viewer, post.pk)
    assert selectors.peer_spaces_overview_for(support_agent) == []


def test_a_member_who_leaves_loses_access_at_once_and_their_posts_stay_as_a_former_member(
    members, post, client_profile, peer_profile, clinician
):
    page = reverse("messaging:peer_space", args=[members.pk])
    casey = sign_in(client_profile.user)
    assert casey.get(page).status_code == 200
    enrolment = Enrolment.objects.get(group=members.group, client=client_profile)
    enrolment_end(
        actor=clinician, enrolment=enrolment, ends_on=group_today(members.group) - timedelta(days=1)
    )
    assert casey.get(page).status_code == 404
    assert casey.get(reverse("messaging:peer_index")).status_code == 200
    assert members.group.name not in casey.get(reverse("messaging:peer_index")).content.decode()
    with pytest.raises(PeerSpace.DoesNotExist):
        selectors.peer_space_get_for(client_profile.user, members.pk)
    # Their post stays, attributed to "a former member", for the group and the facilitator.
    body = sign_in(peer_profile.user).get(page).content.decode()
    assert "Slept well today." in body and "A former member" in body
    assert "Casey" not in body
    staff_page = sign_in(clinician).get(reverse("messaging_staff:peer_space", args=[members.pk]))
    assert "A former member" in staff_page.content.decode()


def test_an_enrolment_ending_today_still_counts_today(members, client_profile, clinician):
    enrolment = Enrolment.objects.get(group=members.group, client=client_profile)
    enrolment_end(actor=clinician, enrolment=enrolment, ends_on=group_today(members.group))
    assert selectors.peer_spaces_visible_to(client_profile.user).filter(pk=members.pk).exists()


def test_a_client_of_another_group_cannot_read_post_or_report(
    members, other_space, post, other_client_profile
):
    browser = sign_in(other_client_profile.user)
    assert browser.get(reverse("messaging:peer_space", args=[members.pk])).status_code == 404
    assert (
        browser.post(reverse("messaging:peer_space", args=[members.pk]), {"body": "hi"}).status_code
        == 404
    )
    assert (
        browser.post(reverse("messaging:peer_report", args=[post.pk]), {"reason": "x"}).status_code
        == 404
    )
    # Their own group's space is theirs, and shows nothing of ours.
    own = browser.get(reverse("messaging:peer_space", args=[other_space.pk]))
    assert own.status_code == 200 and "Slept well today." not in own.content.decode()
    assert PeerPost.objects.filter(space=members).count() == 1


def test_hidden_and_held_posts_show_only_to_their_author_and_moderators(
    members, post, client_profile, peer_profile, clinician
):
    peer_post_hide(actor=clinician, post=post, reason="Please keep to the guidelines.")
    held = peer_post_create(actor=peer_profile.user, space=members, body="I want to die")
    assert held.state == "held"
    casey = selectors.peer_page_for(client_profile.user, members)
    pat = selectors.peer_page_for(peer_profile.user, members)
    staff = selectors.peer_page_for(clinician, members)
    assert [v.post.pk for v in casey.posts] == [post.pk]
    assert [v.post.pk for v in pat.posts] == [held.pk]
    assert {v.post.pk for v in staff.posts} == {post.pk, held.pk}
    with pytest.raises(PeerPost.DoesNotExist):
        selectors.peer_post_get_for(client_profile.user, held.pk)


def test_a_disabled_space_is_gone_for_everyone(members, admin_user, client_profile, clinician):
    peer_space_update(actor=admin_user, space=members, is_enabled=False)
    assert (
        sign_in(client_profile.user)
        .get(reverse("messaging:peer_space", args=[members.pk]))
        .status_code
        == 404
    )
    assert (
        sign_in(clinician).get(reverse("messaging_staff:peer_space", args=[members.pk])).status_code
        == 404
    )


def test_reading_the_space_is_audited_per_client_shown(members, post, peer_profile, clinician):
    before = AccessLog.objects.count()
    selectors.peer_page_for(peer_profile.user, members)
    rows = list(AccessLog.objects.order_by("pk")[before:])
    assert [(r.actor_id, r.client_id, r.object_type) for r in rows] == [
        (peer_profile.user.pk, post.author_client_id, "messaging.PeerPost")
    ]
    assert isinstance(post.author_client, ClientProfile)


def test_the_space_page_reads_in_a_fixed_number_of_queries(
    members, client_profile, peer_profile, django_assert_max_num_queries
):
    for i in range(8):
        parent = peer_post_create(actor=client_profile.user, space=members, body=f"Post {i}")
        peer_post_create(actor=peer_profile.user, space=members, body=f"Reply {i}", parent=parent)
    browser = sign_in(peer_profile.user)
    with django_assert_max_num_queries(20):
        response = browser.get(reverse("messaging:peer_space", args=[members.pk]))
    assert response.status_code == 200 and "Reply 7" in response.content.decode()
