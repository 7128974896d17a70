"""Training guides (ordered articles, read progress) and a new client's getting-started checklist."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from crisis.services import safety_plan_save
from iop.accounts.models import EmergencyContact
from iop.audit.models import AccessLog
from iop.consents.models import ConsentKind, ConsentMethod
from iop.consents.services import consent_grant
from iop.domain import NotAllowed
from sessions_app.services import tech_check_record
from support.demo.help import GUIDE_SLUGS
from support.models import Guide, OnboardingCompletion
from support.services import guide_save, onboarding_complete
from tests.conftest import sign_in
from tests.factories import ConsentDocumentFactory

pytestmark = pytest.mark.django_db


def test_the_guide_lists_its_articles_in_order_with_the_reader_s_progress(articles, client_profile):
    browser = sign_in(client_profile.user)
    url = reverse("support:guide", args=["getting-started"])
    html = browser.get(url).content.decode()
    positions = [html.index(reverse("support:article", args=[slug])) for slug in GUIDE_SLUGS]
    assert positions == sorted(positions)
    assert "You have read 0 of 6." in html

    browser.get(reverse("support:article", args=["signing-in"]))
    assert "You have read 1 of 6." in browser.get(url).content.decode()
    article = browser.get(reverse("support:article", args=["signing-in"])).content.decode()
    assert "Part of “" in article  # the guide's other parts, from the article


def test_a_guide_keeps_each_article_once_and_one_onboarding_guide(articles, admin_user, clinician):
    ids = [articles["echo"].pk, articles["echo"].pk]
    with pytest.raises(ValidationError) as refused:
        guide_save(actor=admin_user, title="Sound", slug="sound", article_ids=ids)
    assert "articles" in refused.value.message_dict
    with pytest.raises(ValidationError):
        guide_save(actor=admin_user, title="Sound", slug="sound", article_ids=[999_999])
    with pytest.raises(NotAllowed):
        guide_save(actor=clinician, title="Sound", slug="sound", article_ids=[articles["echo"].pk])
    assert not Guide.objects.filter(slug="sound").exists()

    second = guide_save(
        actor=admin_user,
        title="Sound",
        slug="sound",
        article_ids=[articles["echo"].pk],
        is_onboarding=True,
    )
    assert list(Guide.objects.filter(is_onboarding=True)) == [second]


def checklist_items(html: str) -> dict[str, bool]:
    start = html.index('id="onboarding"')
    card = html[start : html.index("</section>", start)]
    items = {}
    for key in ("tech_check", "consents", "safety_plan", "emergency_contact", "guide"):
        marker = f'data-item="{key}" data-done="'
        at = card.index(marker) + len(marker)
        items[key] = card[at] == "1"
    return items


def test_a_new_client_s_home_page_shows_the_checklist_until_it_is_done(
    articles, client_profile, clinician
):
    document = ConsentDocumentFactory(kind=ConsentKind.SMS)
    browser = sign_in(client_profile.user)
    home = reverse("accounts:portal")
    assert checklist_items(browser.get(home).content.decode()) == dict.fromkeys(
        ("tech_check", "consents", "safety_plan", "emergency_contact", "guide"), False
    )
    assert AccessLog.objects.filter(
        client=client_profile, object_type="support.onboarding"
    ).exists()

    tech_check_record(
        actor=client_profile.user,
        client=client_profile,
        camera="granted",
        microphone="granted",
        webrtc=True,
        download_mbps=9.0,
    )
    consent_grant(
        actor=client_profile.user,
        client=client_profile,
        document=document,
        method=ConsentMethod.PORTAL,
    )
    safety_plan_save(
        actor=client_profile.user,
        client=client_profile,
        sections={"warning_signs": "Not sleeping"},
        based_on_version=None,
    )
    EmergencyContact.objects.create(
        client=client_profile, priority=1, name="Jo", relationship="sister", phone="+14155550177"
    )
    items = checklist_items(browser.get(home).content.decode())
    assert items == {
        "tech_check": True,
        "consents": True,
        "safety_plan": True,
        "emergency_contact": True,
        "guide": False,
    }
    for slug in GUIDE_SLUGS[:-1]:
        browser.get(reverse("support:article", args=[slug]))
    assert not checklist_items(browser.get(home).content.decode())["guide"]

    browser.get(reverse("support:article", args=[GUIDE_SLUGS[-1]]))
    assert 'id="onboarding"' not in browser.get(home).content.decode()
    assert OnboardingCompletion.objects.filter(client=client_profile).exists()
    reads = AccessLog.objects.filter(client=client_profile, object_type="support.onboarding")
    before = reads.count()
    browser.get(home)
    assert reads.count() == before  # finished: nothing read any more


def test_a_failed_tech_check_does_not_tick_the_item(articles, client_profile):
    tech_check_record(
        actor=client_profile.user,
        client=client_profile,
        camera="denied",
        microphone="granted",
        webrtc=True,
        download_mbps=9.0,
    )
    html = sign_in(client_profile.user).get(reverse("accounts:portal")).content.decode()
    assert checklist_items(html)["tech_check"] is False


def test_only_the_client_finishes_their_checklist(articles, client_profile, clinician):
    with pytest.raises(NotAllowed):
        onboarding_complete(actor=clinician, client=client_profile)
    with pytest.raises(NotAllowed):
        onboarding_complete(actor=None, client=client_profile)
    assert not OnboardingCompletion.objects.exists()


def test_staff_and_visitors_get_no_checklist(articles, clinician):
    assert 'id="onboarding"' not in sign_in(clinician).get("/staff/").content.decode()
    assert Client().get(reverse("accounts:portal")).status_code == 302
