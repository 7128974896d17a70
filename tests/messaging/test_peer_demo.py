"""The demo clinic's peer space: in `make run` client1 posts in their group's space, and
clinician1 finds a reported post in the queue and hides it with a reason its author sees."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from iop.accounts.models import User
from messaging import selectors
from messaging.models import PeerPost, PeerReport, PeerSpace
from messaging.services import peer_post_create, peer_report_review

pytestmark = pytest.mark.django_db


def test_the_demo_space_is_made_once_and_its_click_through_works(settings):
    settings.DEBUG = True  # seed_demo refuses a production configuration
    call_command("seed_demo")
    call_command("seed_demo")
    space = PeerSpace.objects.get()
    facilitator = User.objects.get(email="clinician1@demo.harbor")
    client1 = User.objects.get(email="client1@demo.harbor")
    assert selectors.peer_space_get_for(client1, space.pk) == space
    assert selectors.peer_space_get_for(facilitator, space.pk) == space
    assert not selectors.peer_spaces_visible_to(User.objects.get(email="client8@demo.harbor"))
    page = selectors.peer_page_for(client1, space)
    assert page.posts[0].post.pinned_at is not None  # the facilitator's welcome
    assert not page.must_accept  # client1 accepted the guidelines in the demo
    mine = peer_post_create(actor=client1, space=space, body="Hello from the demo.")
    assert mine.state == "visible"
    [report] = selectors.peer_reports_open_in(facilitator, space)
    peer_report_review(
        actor=facilitator,
        report=report,
        hide=True,
        reason="Medication questions go to your prescriber.",
    )
    hidden = PeerPost.objects.get(pk=report.post_id)
    assert hidden.state == "hidden"
    author_page = selectors.peer_page_for(hidden.author, space)
    assert any(
        v.post.pk == hidden.pk and v.post.state_reason.startswith("Medication")
        for v in author_page.posts
    )
    assert PeerReport.objects.get().state == "hidden"
