"""In two real browsers: a client opens their group's space from the portal's menu, accepts
the guidelines and posts; their facilitator, signed in with two-step verification, finds the
post on the moderation page and hides it with a reason; the client sees the reason."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from playwright.sync_api import expect

from messaging.models import PeerModeration, PeerPost
from tests.browser.conftest import browser_page, chromium  # noqa: F401 - fixtures
from tests.browser.pages import failed_loads, record_responses, sign_in_through_form, totp_code
from tests.conftest import sign_in
from tests.factories import PASSWORD, totp_device

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

POST = "Does anyone else find Sunday evenings hard?"
REASON = "Thank you for sharing. Let's talk about this together in Monday's group."


@pytest.fixture
def staff_page(browser_page, asgi_server_url) -> Iterator:  # noqa: F811
    """A second, separate browser (own cookies) beside the client's."""
    context = browser_page.context.browser.new_context(base_url=asgi_server_url)
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_a_client_posts_and_a_facilitator_hides_it_with_a_reason_the_client_sees(
    space,
    client_profile,
    clinician,
    browser_page,  # noqa: F811
    staff_page,
    asgi_server_url,
):
    client_loads = record_responses(browser_page)
    staff_loads = record_responses(staff_page)
    errors: list[str] = []
    for page in (browser_page, staff_page):
        page.on("pageerror", lambda error: errors.append(str(error)))

    # The client opens the space from the portal's menu, accepts the guidelines and posts.
    cookie = sign_in(client_profile.user).cookies[settings.SESSION_COOKIE_NAME].value
    browser_page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": asgi_server_url}]
    )
    browser_page.goto("/accounts/portal/")
    browser_page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Group space"
    ).click()
    browser_page.get_by_role("link", name=space.group.name).click()
    expect(browser_page.locator("#accept-first")).to_be_visible()
    browser_page.get_by_role("link", name="read and accept the group's guidelines").click()
    expect(browser_page.locator("#guidelines")).to_contain_text("Be kind")
    browser_page.get_by_label("The name your group sees").fill("Casey")
    browser_page.get_by_label("I have read the guidelines and I accept them").check()
    browser_page.get_by_role("button", name="Accept and continue").click()
    expect(browser_page).to_have_url(re.compile(rf"/messages/peer/{space.pk}/$"))
    browser_page.get_by_label("Your post").fill(POST)
    browser_page.get_by_role("button", name="Post", exact=True).click()
    post = PeerPost.objects.get()
    mine = browser_page.locator(f"#post-{post.pk}")
    expect(mine).to_contain_text(POST)
    expect(mine.locator(".author")).to_have_text("Casey")

    # The facilitator signs in with their second factor and hides it with a reason.
    device = totp_device(clinician)
    # These tests hash passwords with MD5 for speed; the server only knows its real hashers.
    clinician.password = PBKDF2PasswordHasher().encode(PASSWORD, "peer-browser-salt")
    clinician.save(update_fields=["password"])
    sign_in_through_form(staff_page, clinician.email)
    expect(staff_page).to_have_url(re.compile(r"/accounts/two-factor/verify/"))
    staff_page.get_by_label("Code").fill(totp_code(device))
    staff_page.get_by_role("button", name="Verify").click()
    expect(staff_page).to_have_url(re.compile(r"/staff/$"))
    staff_page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Peer spaces"
    ).click()
    staff_page.get_by_role("link", name=space.group.name).click()
    theirs = staff_page.locator(f"#post-{post.pk}")
    expect(theirs).to_contain_text(POST)
    theirs.get_by_label("Why hide it (the author reads this)").fill(REASON)
    theirs.get_by_role("button", name="Hide").click()
    expect(staff_page.locator(".messages")).to_contain_text("The post is hidden.")
    expect(staff_page.locator(f"#post-{post.pk}")).to_contain_text("Hidden by")
    assert PeerModeration.objects.get().action == "hide"

    # The client reloads and reads why.
    browser_page.reload()
    expect(browser_page.locator(f"#post-{post.pk} .hidden-reason")).to_contain_text(REASON)

    assert failed_loads(client_loads) == []
    assert failed_loads(staff_loads) == []
    assert errors == []
