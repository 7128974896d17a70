"""A post goes through the same crisis screen as an inbound text: crisis words hold it for a
facilitator, its author sees the help panel at once (and after a reload), and exactly one crisis
event is opened for them, with the facilitators told."""

from __future__ import annotations

import pytest
from django.urls import reverse

from crisis.models import CrisisEvent
from crisis.services import safety_plan_save
from iop.notify.models import OutboundMessage
from messaging import selectors
from messaging.models import PeerModeration, PeerPost
from messaging.services import peer_post_create, peer_post_show
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_crisis_words_hold_the_post_show_the_help_panel_and_open_one_event(
    members, client_profile, peer_profile, clinician, settings
):
    safety_plan_save(
        actor=clinician,
        client=peer_profile,
        sections={"warning_signs": "Not sleeping for days"},
        based_on_version=None,
    )
    page = reverse("messaging:peer_space", args=[members.pk])
    pat = sign_in(peer_profile.user)
    response = pat.post(page, {"body": "Honestly I can't go on like this"}, follow=True)
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="peer-help"' in text
    assert settings.NATIONAL_CRISIS_LINE in text and settings.CLINIC_CRISIS_LINE in text
    assert "Not sleeping for days" in text  # their safety plan
    assert "held for a facilitator" in text
    post = PeerPost.objects.get()
    assert post.state == "held"
    event = CrisisEvent.objects.get()
    assert (event.client, event.source, post.crisis_event) == (peer_profile, "peer_post", event)
    # The held post is linked on the event's timeline, for the responders.
    links = [entry.data.get("link", "") for entry in event.timeline.all() if entry.data]
    assert any(link.endswith(f"#post-{post.pk}") for link in links), links
    # Not shown to the group; still to its author after a reload, help panel included.
    assert "go on like this" not in sign_in(client_profile.user).get(page).content.decode()
    again = pat.get(page).content.decode()
    assert "go on like this" in again and 'id="peer-help"' in again
    # A second post with crisis words joins the same event: still exactly one.
    peer_post_create(actor=peer_profile.user, space=members, body="I want to die")
    assert CrisisEvent.objects.count() == 1
    # The facilitator is told (no words), and the held post waits for them.
    told = OutboundMessage.objects.get(
        idempotency_key=f"peer:post:{post.pk}:held:feed:{clinician.pk}"
    )
    assert "held for you to read" in told.body and "go on" not in told.body
    staff = sign_in(clinician).get(reverse("messaging_staff:peer_space", args=[members.pk]))
    assert "Held: crisis words" in staff.content.decode()
    assert PeerModeration.objects.filter(action="hold").count() == 2
    [row] = selectors.peer_spaces_overview_for(clinician)
    assert row.held == 2
    # The facilitator reads it and shows it to the group.
    peer_post_show(actor=clinician, post=post)
    assert "go on like this" in sign_in(client_profile.user).get(page).content.decode()


def test_words_without_crisis_phrases_are_not_held(members, client_profile):
    post = peer_post_create(
        actor=client_profile.user, space=members, body="This traffic is killing me, ha"
    )
    assert post.state == "visible" and not CrisisEvent.objects.exists()


def test_a_facilitators_own_post_is_not_screened_as_a_client(members, clinician):
    post = peer_post_create(
        actor=clinician, space=members, body="If you feel suicidal, call or text 988."
    )
    assert post.state == "visible" and not CrisisEvent.objects.exists()
