"""The help centre's pages: who reads what, search, "Did this help?", read receipts, the help
link on every portal page, the session page's trouble box, and the staff list of articles."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sessions_app.services import tech_check_record
from support.models import ArticleRead, ArticleStatus, HelpArticle, HelpVote
from support.services import help_article_save
from tests.conftest import sign_in
from tests.sessions_app.conftest import group, make_session  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

STAFF_ONLY = "staff-client-cant-connect"


def page(browser: Client, url: str) -> str:
    response = browser.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


# -- who reads what -------------------------------------------------------------------------------


def test_everyone_reads_the_client_help_and_only_staff_the_staff_help(
    articles, client_profile, support_agent, clinician
):
    client_article = reverse("support:article", args=["no-sound"])
    staff_article = reverse("support:article", args=[STAFF_ONLY])
    visitor, client = Client(), sign_in(client_profile.user)
    for browser in (visitor, client):
        assert "You can&#x27;t hear anyone" in page(browser, client_article)
        assert browser.get(staff_article).status_code == 404
        assert "Helping a client" not in page(browser, reverse("support:help"))
    for person in (support_agent, clinician):
        staff = sign_in(person)
        assert "Helping a client who can&#x27;t connect" in page(staff, staff_article)
        centre = page(staff, reverse("support:help"))
        assert "Helping a client" in centre
        assert 'href="/staff/' in centre  # read in the staff frame, with the staff menu


def test_a_draft_is_read_by_nobody_outside_the_admin(articles, admin_user, support_agent):
    help_article_save(
        actor=admin_user,
        title="Coming soon",
        slug="coming-soon",
        body="Not yet.",
        category="devices",
        status=ArticleStatus.DRAFT,
    )
    url = reverse("support:article", args=["coming-soon"])
    for browser in (Client(), sign_in(support_agent), sign_in(admin_user)):
        assert browser.get(url).status_code == 404


def test_the_help_centre_lists_categories_and_the_guide(articles, django_assert_max_num_queries):
    browser = Client()
    with django_assert_max_num_queries(6):
        centre = page(browser, reverse("support:help"))
    for heading in ("Getting started", "Audio and video", "Connection", "Signing in", "Privacy"):
        assert f">{heading}</h2>" in centre
    assert reverse("support:guide", args=["getting-started"]) in centre


def test_searching_shows_ranked_results_with_snippets(articles, client_profile):
    results = page(sign_in(client_profile.user), reverse("support:help") + "?q=cant+here")
    first = results.index('id="help-results"')
    assert results.index("no-sound", first) < results.index("</ol>", first)
    assert "<mark>" in results


def test_a_search_with_no_match_says_so(articles):
    assert 'id="no-results"' in page(Client(), reverse("support:help") + "?q=xylophone")


def test_an_overlong_search_is_refused_kindly_and_a_nul_is_a_400(articles):
    long = page(Client(), reverse("support:help") + "?q=" + "a" * 5000)
    assert "up to 200 characters" in long
    assert Client().get(reverse("support:help") + "?q=mic%00rophone").status_code == 400


# -- read receipts and votes -----------------------------------------------------------------------


def test_opening_an_article_records_a_signed_in_reader_once(articles, client_profile):
    browser = sign_in(client_profile.user)
    url = reverse("support:article", args=["signing-in"])
    page(browser, url)
    page(browser, url)
    page(Client(), url)
    assert ArticleRead.objects.filter(article=articles["signing-in"]).count() == 1


def test_a_vote_counts_once_per_person_and_can_be_changed(articles, client_profile, clinician):
    article = articles["echo"]
    vote_url = reverse("support:vote", args=["echo"])
    browser = sign_in(client_profile.user)
    browser.post(vote_url, {"helpful": "yes"})
    browser.post(vote_url, {"helpful": "yes"})
    sign_in(clinician).post(vote_url, {"helpful": "yes"})
    article.refresh_from_db()
    assert (article.helpful_count, article.not_helpful_count) == (2, 0)

    response = browser.post(vote_url, {"helpful": "no"}, follow=True)
    assert "Thank you for telling us" in response.content.decode()
    article.refresh_from_db()
    assert (article.helpful_count, article.not_helpful_count) == (1, 1)
    assert HelpVote.objects.filter(article=article).count() == 2


def test_a_signed_out_visitor_votes_once_per_browser(articles):
    vote_url = reverse("support:vote", args=["locked-out"])
    browser = Client()
    browser.post(vote_url, {"helpful": "no"})
    browser.post(vote_url, {"helpful": "no"})
    Client().post(vote_url, {"helpful": "no"})
    articles["locked-out"].refresh_from_db()
    assert articles["locked-out"].not_helpful_count == 2


def test_a_bad_vote_changes_nothing(articles, client_profile):
    browser = sign_in(client_profile.user)
    response = browser.post(
        reverse("support:vote", args=["echo"]), {"helpful": "maybe"}, follow=True
    )
    assert "Choose yes or no." in response.content.decode()
    assert (
        browser.post(reverse("support:vote", args=[STAFF_ONLY]), {"helpful": "yes"}).status_code
        == 404
    )
    assert (
        browser.post(reverse("support:vote", args=["no-such"]), {"helpful": "yes"}).status_code
        == 404
    )
    assert not HelpVote.objects.exists()
    assert browser.get(reverse("support:vote", args=["echo"])).status_code == 405


# -- every portal page links to help ---------------------------------------------------------------


def test_every_portal_page_links_to_the_help_centre(articles, client_profile, group):  # noqa: F811
    session = make_session(group, starts_at=timezone.now() + timedelta(hours=1))
    help_url = reverse("support:help")
    browser = sign_in(client_profile.user)
    for url in (
        reverse("accounts:portal"),
        reverse("sessions:list"),
        reverse("sessions:detail", args=[session.pk]),
        reverse("crisis:safety_plan"),
        reverse("consents:list"),
        reverse("accounts:profile"),
        reverse("support:updates"),
    ):
        assert f'href="{help_url}"' in page(browser, url), url
    for url in (reverse("accounts:login"), reverse("accounts:password_reset")):
        assert f'href="{help_url}"' in page(Client(), url), url


# -- the session page's trouble box ---------------------------------------------------------------


def check(client_profile, **found):
    values = {"camera": "granted", "microphone": "granted", "webrtc": True, "download_mbps": 20.0}
    return tech_check_record(
        actor=client_profile.user, client=client_profile, **{**values, **found}
    )


def trouble_links(html: str) -> list[str]:
    start = html.index('id="trouble-articles"')
    box = html[start : html.index("</div>", start)]
    return [
        slug for slug in HelpArticle.objects.values_list("slug", flat=True) if f"/{slug}/" in box
    ]


def test_the_trouble_box_shows_the_articles_for_the_failed_check_items(
    articles,
    client_profile,
    group,  # noqa: F811
):
    session = make_session(group, starts_at=timezone.now() + timedelta(hours=1))
    browser = sign_in(client_profile.user)
    url = reverse("sessions:detail", args=[session.pk])

    check(client_profile, camera="denied", microphone="denied")
    html = page(browser, url)
    shown = trouble_links(html)
    assert len(shown) == 3
    assert shown_for(shown, "camera") and shown_for(shown, "microphone")
    # The most specific article for each failed item comes first, whatever the votes say.
    sign_in(client_profile.user).post(
        reverse("support:vote", args=["audio-video-settings"]), {"helpful": "yes"}
    )
    box = page(browser, reverse("support:trouble_help"))
    assert box.index("/camera-blocked/") < box.index("/audio-video-settings/")

    check(client_profile, webrtc=False)
    shown = trouble_links(page(browser, reverse("support:trouble_help")))
    assert "update-browser" in shown and len(shown) == 3

    check(client_profile, download_mbps=0.4)
    shown = trouble_links(page(browser, reverse("support:trouble_help")))
    assert all(shown_for([slug], "connection") for slug in shown)

    check(client_profile)  # passed: the most helpful troubleshooting articles
    fragment = page(browser, reverse("support:trouble_help"))
    assert "Common fixes" in fragment and len(trouble_links(fragment)) == 3


def shown_for(slugs: list[str], topic: str) -> bool:
    return HelpArticle.objects.filter(slug__in=slugs, tech_topics__contains=[topic]).exists()


def test_the_trouble_box_is_the_client_s_own(
    articles, client_profile, other_client_profile, clinician
):
    check(other_client_profile, camera="denied")
    fragment = page(sign_in(client_profile.user), reverse("support:trouble_help"))
    assert "Common fixes" in fragment  # the other client's failed camera is not ours
    assert sign_in(clinician).get(reverse("support:trouble_help")).status_code == 403
    assert Client().get(reverse("support:trouble_help")).status_code == 302


# -- staff ----------------------------------------------------------------------------------------


def test_staff_see_every_article_with_its_votes(articles, support_agent, client_profile):
    sign_in(client_profile.user).post(reverse("support:vote", args=["echo"]), {"helpful": "yes"})
    listing = page(sign_in(support_agent), reverse("support_staff:help"))
    assert STAFF_ONLY in listing
    row = listing[listing.index("/echo/") :]
    assert "<td>1</td>" in row[: row.index("</tr>")]
    assert sign_in(client_profile.user).get(reverse("support_staff:help")).status_code == 403
    assert (
        page(sign_in(support_agent), reverse("support_staff:help") + "?category=privacy").count(
            "<tr>"
        )
        == 2
    )  # the heading and the privacy article
