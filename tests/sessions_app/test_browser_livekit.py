"""In a real browser: a client in a LiveKit session passes the tech check, joins, and the page
itself connects to the LiveKit server with its token (livekit-client from static/vendor), while
presence keeps working as with Jitsi. The server is tests/livekit_fake.py, which records the
connection and refuses it (it carries no media), so the page shows that it could not join."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.utils import timezone
from livekit.api import TokenVerifier
from playwright.sync_api import expect

from sessions_app.models import AttendanceEvent
from tests.browser.conftest import CHROMIUM_ARGS, EXPECT_TIMEOUT_MS, chromium  # noqa: F401
from tests.browser.pages import failed_loads, record_responses
from tests.conftest import sign_in
from tests.livekit_fake import LiveKitFake, livekit_settings
from tests.servers import (
    DAPHNE_APPLICATION_NAME,
    LiveServer,
    daphne_database_url,
    run_daphne,
    wait_for_sessions_to_end,
)
from tests.sessions_app.conftest import make_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FAKE_MEDIA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]


@pytest.fixture(scope="module")
def livekit_server(django_db_setup, django_db_blocker) -> Iterator[tuple[LiveServer, LiveKitFake]]:
    """The app under daphne, configured for the LiveKit fake."""
    with (
        LiveKitFake() as fake,
        run_daphne(
            daphne_database_url("livekit"), settings.REDIS_URL, **livekit_settings(fake)
        ) as server,
    ):
        yield server, fake
    with django_db_blocker.unblock():
        wait_for_sessions_to_end(f"{DAPHNE_APPLICATION_NAME}-livekit")


@pytest.fixture
def media_browser(chromium, monkeypatch) -> Iterator:  # noqa: F811
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


def test_the_page_connects_to_the_livekit_room_with_its_token_and_presence_works(
    media_browser, livekit_server, client_profile, group
):
    server, fake = livekit_server
    session = make_session(group, starts_at=timezone.now() - timedelta(minutes=2), title="LK group")
    session.video_provider = "livekit"
    session.save(update_fields=["video_provider"])

    context = media_browser.new_context(base_url=server.url)
    cookie = sign_in(client_profile.user).cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": server.url}]
    )
    page = context.new_page()
    responses = record_responses(page)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"/sessions/{session.pk}/")
    expect(page.locator("#check-verdict")).to_have_attribute("data-state", "passed")
    assert page.evaluate("typeof window.LivekitClient.Room") == "function"

    page.get_by_role("button", name="Join session").click()

    # Presence (the page's heartbeat socket) works as with any room...
    expect(page.locator("#presence-state")).to_have_attribute("data-state", "in")
    # ...and the page itself went to the LiveKit server with this client's token for the room.
    expect(page.locator("#livekit-state")).to_have_attribute("data-state", "failed")
    tokens = [r["access_token"] for r in fake.rtc_requests if "access_token" in r]
    assert tokens, fake.rtc_requests
    claims = TokenVerifier(fake.api_key, fake.api_secret).verify(tokens[0])
    assert claims.identity == f"harbor-user-{client_profile.user.pk}"
    assert claims.video is not None and claims.video.room == session.room_name
    assert list(AttendanceEvent.objects.filter(session=session).values_list("kind", flat=True)) == [
        "join"
    ]
    fake_origin = urlsplit(fake.url).netloc
    assert [f for f in failed_loads(responses) if urlsplit(f[1]).netloc != fake_origin] == []
    assert errors == []
    assert re.search(
        r"Could not join the video room \(.*no media here",
        page.locator("#livekit-state").inner_text(),
    )
