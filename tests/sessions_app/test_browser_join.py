"""In a real browser: a client passes the tech check with fake media devices, joins, and the
facilitator's dashboard shows them present, live."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from sessions_app.models import AttendanceEvent, TechCheck
from tests.browser.conftest import CHROMIUM_ARGS, EXPECT_TIMEOUT_MS, chromium  # noqa: F401
from tests.browser.pages import failed_loads, record_responses
from tests.conftest import sign_in
from tests.sessions_app.conftest import make_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FAKE_MEDIA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]


@pytest.fixture
def media_browser(chromium, asgi_server_url, monkeypatch) -> Iterator:  # noqa: F811 - chromium
    """Chromium with fake camera and microphone that grants permission without asking."""
    from django.db import connections
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium), args=[*CHROMIUM_ARGS, *FAKE_MEDIA]
        )
        try:
            yield browser
        finally:
            connections.close_all()
            browser.close()


def _signed_in(browser, base_url: str, user):
    """A browser context carrying `user`'s session (staff: with a verified second factor)."""
    context = browser.new_context(base_url=base_url)
    cookie = sign_in(user).cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base_url}])
    context.set_default_timeout(EXPECT_TIMEOUT_MS)
    # The video room is only a link: answer it locally so no test ever reaches the internet.
    context.route(
        re.compile(r"^https://meet\.jit\.si/.*"),
        lambda route: route.fulfill(body="<h1>video room</h1>", content_type="text/html"),
    )
    return context


def test_a_client_joins_after_the_tech_check_and_the_facilitator_sees_them_present(
    media_browser,
    asgi_server_url,
    client_profile,
    clinician,
    group,
):
    session = make_session(
        group, starts_at=timezone.now() - timedelta(minutes=2), minutes=60, title="Tuesday group"
    )

    staff = _signed_in(media_browser, asgi_server_url, clinician)
    dashboard = staff.new_page()
    dashboard.goto("/staff/")
    expect(dashboard.locator("#feed-status")).to_have_attribute("data-state", "connected")
    row = dashboard.locator(
        f'.session-roster[data-session-id="{session.pk}"] tr[data-client-id="{client_profile.pk}"]'
    )
    expect(row.locator(".att-status")).to_have_attribute("data-status", "expected")

    # The client opens the session: the tech check runs and passes with the fake devices.
    client = _signed_in(media_browser, asgi_server_url, client_profile.user)
    page = client.new_page()
    responses = record_responses(page)
    page.goto("/accounts/portal/")
    page.get_by_role("link", name="Tuesday group").first.click()
    expect(page).to_have_url(re.compile(rf"/sessions/{session.pk}/$"))
    expect(page.locator("#check-verdict")).to_have_attribute("data-state", "passed")
    expect(page.locator('[data-check="camera"] .check-state')).to_have_attribute("data-state", "ok")
    expect(page.locator('[data-check="speed"] .check-state')).to_have_attribute("data-state", "ok")

    with client.expect_page() as room:
        page.get_by_role("button", name="Join session").click()
    expect(room.value.locator("h1")).to_have_text("video room")
    expect(page.locator("#presence-state")).to_have_attribute("data-state", "in")

    # Live, without a reload, the facilitator sees them in.
    expect(row.locator(".att-status")).to_have_attribute("data-status", "present")
    expect(row.locator(".in-room")).to_be_visible()

    check = TechCheck.objects.get(client=client_profile)
    assert (
        check.passed
        and check.camera == "granted"
        and check.microphone == "granted"
        and check.webrtc
    )
    assert check.download_mbps and check.download_mbps > 0
    assert list(AttendanceEvent.objects.filter(session=session).values_list("kind", "source")) == [
        ("join", "presence")
    ]
    assert failed_loads(responses) == []
