"""The API's help articles (search) and announcements: scoped like the pages, bad input a 400 in
the one error shape, never a 500."""

from __future__ import annotations

import pytest
from django.test import Client

from support.models import Audience
from support.services import announcement_dismiss
from tests.api.conftest import error_of, key_client, make_key  # noqa: F401 - fixture
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

ARTICLES = "/api/v1/help/articles/"
ANNOUNCEMENTS = "/api/v1/announcements/"
STAFF_ONLY = "staff-client-cant-connect"


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["slug"] for row in response.json()["results"]]


def test_search_over_the_api_forgives_typos_and_marks_the_words(articles, client_profile):
    browser = sign_in(client_profile.user)
    response = browser.get(ARTICLES, {"q": "cant here"})
    assert slugs(response)[0] == "no-sound"
    first = response.json()["results"][0]
    assert first["url"] == "/support/help/articles/no-sound/"
    assert "<mark>" in first["snippet"] and first["score"] > 0
    assert slugs(browser.get(ARTICLES, {"q": "microphon"}))[0] == "no-sound"
    rows = browser.get(ARTICLES, {"q": "microphone", "category": "getting_started"}).json()
    assert rows["count"] >= 2
    assert {row["category"] for row in rows["results"]} == {"getting_started"}


def test_without_a_query_the_list_is_every_article_by_category(articles, client_profile):
    response = sign_in(client_profile.user).get(ARTICLES)
    rows = response.json()["results"]
    assert response.json()["count"] == len(rows) == 18  # the client articles
    assert all(row["snippet"] is None and row["score"] is None for row in rows)
    assert [r["category"] for r in rows] == sorted(r["category"] for r in rows)
    assert sign_in(client_profile.user).get(ARTICLES, {"q": "  "}).json()["count"] == 18


def test_articles_are_scoped_like_the_pages(articles, client_profile, support_agent, make_key):  # noqa: F811
    staff_article = articles[STAFF_ONLY]
    client, staff = sign_in(client_profile.user), sign_in(support_agent)
    key = key_client(make_key()[1])
    assert STAFF_ONLY in slugs(staff.get(ARTICLES))
    for caller in (client, key):
        assert STAFF_ONLY not in slugs(caller.get(ARTICLES))
        assert STAFF_ONLY not in slugs(caller.get(ARTICLES, {"q": "client cant connect"}))
        missing = caller.get(f"{ARTICLES}{staff_article.pk}/")
        assert missing.status_code == 404 and error_of(missing)["code"] == "not_found"
    detail = staff.get(f"{ARTICLES}{staff_article.pk}/").json()
    assert detail["slug"] == STAFF_ONLY and "<h2>" in detail["body_html"]
    assert Client().get(ARTICLES).status_code == 401


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "x" * 201}, "q"),
        ({"category": "weather"}, "category"),
        ({"category": ""}, "category"),
        ({"page": "0"}, "page"),
    ],
)
def test_bad_query_parameters_are_a_400_naming_them(articles, client_profile, params, field):
    response = sign_in(client_profile.user).get(ARTICLES, params)
    assert response.status_code == 400
    assert field in error_of(response)["fields"]


@pytest.mark.parametrize(
    "query",
    ["'", "a & b | !c", "(((", ":*", "\u0007bell", "🎤", "x" * 200, "' OR 1=1 --", "<script>"],
)
def test_no_query_is_a_server_error(articles, client_profile, query):
    assert sign_in(client_profile.user).get(ARTICLES, {"q": query}).status_code == 200


def test_a_nul_in_the_query_is_a_400(articles, client_profile):
    response = sign_in(client_profile.user).get(ARTICLES + "?q=mic%00")
    assert response.status_code == 400 and error_of(response)


def test_unknown_and_overflowing_ids_are_404s(articles, client_profile):
    browser = sign_in(client_profile.user)
    for path in (f"{ARTICLES}999999/", f"{ARTICLES}{2**70}/", f"{ANNOUNCEMENTS}{2**70}/"):
        response = browser.get(path)
        assert response.status_code == 404, path
        error_of(response)


def test_announcements_are_scoped_like_the_banners(
    make_announcement,
    client_profile,
    far_client_profile,
    clinician,
    other_program,
    make_key,  # noqa: F811
):
    everyone = make_announcement(title="Everyone")
    staff_only = make_announcement(title="Staff only", audience=Audience.STAFF)
    far_only = make_announcement(title="Far program", program=other_program)

    def titles(caller) -> set[str]:
        response = caller.get(ANNOUNCEMENTS)
        assert response.status_code == 200
        return {row["title"] for row in response.json()["results"]}

    assert titles(sign_in(client_profile.user)) == {"Everyone"}
    assert titles(sign_in(far_client_profile.user)) == {"Everyone", "Far program"}
    assert titles(sign_in(clinician)) == {"Everyone", "Staff only"}
    assert titles(key_client(make_key()[1])) == {"Everyone", "Staff only"}
    assert titles(key_client(make_key(key_program=other_program)[1])) == {
        "Everyone",
        "Staff only",
        "Far program",
    }
    browser = sign_in(client_profile.user)
    for hidden in (staff_only, far_only):
        assert browser.get(f"{ANNOUNCEMENTS}{hidden.pk}/").status_code == 404
    announcement_dismiss(actor=client_profile.user, announcement_id=everyone.pk)
    detail = browser.get(f"{ANNOUNCEMENTS}{everyone.pk}/").json()
    assert detail["dismissed"] is True and detail["program"] is None
