"""The demo clinic's help centre: the troubleshooting articles the issue lists, the getting-started
guide, and a maintenance banner a demo client sees; seeding twice makes each once."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from iop.accounts.models import User
from support.demo.help import demo_articles
from support.models import Announcement, Guide, HelpArticle
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

TROUBLESHOOTING = {
    "camera-blocked",  # camera blocked by the browser
    "no-sound",
    "echo",
    "frozen-video",
    "slow-connection",
    "cant-sign-in",
    "locked-out",
    "two-step-codes",
    "phone-dial-in",
    "using-a-tablet",
    "update-browser",
    "privacy-in-group",
}


def test_the_demo_files_parse_and_name_real_choices():
    from support.models import ArticleCategory, Audience, TechTopic

    files = demo_articles()
    assert len({f.slug for f in files}) == len(files)
    for item in files:
        assert item.category in ArticleCategory.values, item.slug
        assert item.audience in Audience.values, item.slug
        assert set(item.topics) <= set(TechTopic.values), item.slug
        assert item.summary and len(item.summary) <= 300 and len(item.keywords) <= 300


def test_seeding_twice_makes_the_help_centre_once(settings):
    settings.DEBUG = True  # seed_demo refuses a production configuration
    call_command("seed_demo")
    call_command("seed_demo")
    published = set(HelpArticle.objects.filter(status="published").values_list("slug", flat=True))
    assert published >= TROUBLESHOOTING
    assert HelpArticle.objects.count() == len(demo_articles())
    guide = Guide.objects.get(is_onboarding=True)
    assert guide.title == "Getting started with Harbor" and guide.steps.count() == 6
    assert Announcement.objects.count() == 2

    client1 = sign_in(User.objects.get(email="client1@demo.harbor"))
    home = client1.get(reverse("accounts:portal")).content.decode()
    assert "Planned maintenance on Sunday night" in home
    assert 'id="onboarding"' in home
